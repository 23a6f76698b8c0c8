"""The category tree's materialised paths: kept right on create and on moving a subtree."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dealerdesk.catalog.models import Category
from dealerdesk.catalog.queries import CatalogScope, category_tree, visible_categories
from tests import factories as f


def fresh(category: Category) -> Category:
    return Category.objects.get(pk=category.pk)


@pytest.mark.django_db
def test_new_categories_get_their_path_and_depth():
    root = f.CategoryFactory()
    child = f.CategoryFactory(parent=root)
    grandchild = f.CategoryFactory(parent=child)

    assert (fresh(root).path, fresh(root).depth) == (f"/{root.pk}/", 0)
    assert (fresh(child).path, fresh(child).depth) == (f"/{root.pk}/{child.pk}/", 1)
    assert fresh(grandchild).path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"
    assert fresh(grandchild).depth == 2
    assert fresh(grandchild).ancestor_ids == [root.pk, child.pk]


@pytest.mark.django_db
def test_moving_a_subtree_rewrites_every_descendants_path_and_depth():
    # given  A ─ B ─ C ─ D   and another root X
    a = f.CategoryFactory(name="A")
    b = f.CategoryFactory(name="B", parent=a)
    c = f.CategoryFactory(name="C", parent=b)
    d = f.CategoryFactory(name="D", parent=c)
    x = f.CategoryFactory(name="X")
    sibling = f.CategoryFactory(name="B2", parent=a)

    # when B (with C and D) moves under X
    moving = fresh(b)
    moving.parent = fresh(x)
    moving.save()

    # then the whole subtree hangs under X, at the same depths as before
    assert fresh(b).path == f"/{x.pk}/{b.pk}/"
    assert fresh(c).path == f"/{x.pk}/{b.pk}/{c.pk}/"
    assert fresh(d).path == f"/{x.pk}/{b.pk}/{c.pk}/{d.pk}/"
    assert [fresh(n).depth for n in (b, c, d)] == [1, 2, 3]
    # and the rest of the tree is untouched
    assert fresh(a).path == f"/{a.pk}/"
    assert fresh(sibling).path == f"/{a.pk}/{sibling.pk}/"
    assert set(Category.objects.filter(path__startswith=fresh(a).path)) == {a, sibling}


@pytest.mark.django_db
def test_moving_a_subtree_to_the_root_and_deeper():
    a = f.CategoryFactory()
    b = f.CategoryFactory(parent=a)
    c = f.CategoryFactory(parent=b)
    deep_target = f.CategoryFactory(parent=f.CategoryFactory(parent=f.CategoryFactory()))

    to_root = fresh(b)
    to_root.parent = None
    to_root.save()
    assert (fresh(b).path, fresh(b).depth) == (f"/{b.pk}/", 0)
    assert (fresh(c).path, fresh(c).depth) == (f"/{b.pk}/{c.pk}/", 1)

    deeper = fresh(b)
    deeper.parent = fresh(deep_target)
    deeper.save()
    assert fresh(c).path == f"{fresh(deep_target).path}{b.pk}/{c.pk}/"
    assert fresh(c).depth == 4


@pytest.mark.django_db
def test_moving_does_not_touch_categories_whose_id_merely_shares_a_prefix():
    # given categories whose paths start with the same digits ("/1/" vs "/12/")
    nodes = [f.CategoryFactory() for _ in range(12)]
    first = nodes[0]
    child = f.CategoryFactory(parent=first)
    target = f.CategoryFactory()
    others_before = {n.pk: fresh(n).path for n in nodes[1:]}

    moving = fresh(first)
    moving.parent = target
    moving.save()

    assert fresh(child).path == f"/{target.pk}/{first.pk}/{child.pk}/"
    assert {n.pk: fresh(n).path for n in nodes[1:]} == others_before


@pytest.mark.django_db
def test_a_category_cannot_be_its_own_parent():
    category = f.CategoryFactory()
    category.parent = category

    with pytest.raises(ValidationError) as error:
        category.clean()

    assert "parent" in error.value.message_dict


@pytest.mark.django_db
def test_a_category_cannot_be_placed_under_its_own_descendant():
    a = f.CategoryFactory()
    b = f.CategoryFactory(parent=a)
    c = f.CategoryFactory(parent=b)
    moving = fresh(a)
    moving.parent = fresh(c)

    with pytest.raises(ValidationError) as error:
        moving.full_clean()

    assert error.value.message_dict["parent"] == ["A category cannot be placed inside itself."]


@pytest.mark.django_db
def test_placing_under_an_unrelated_category_is_clean():
    a = f.CategoryFactory()
    b = f.CategoryFactory(parent=f.CategoryFactory())
    moving = fresh(a)
    moving.parent = b

    moving.full_clean()


@pytest.mark.django_db
def test_tree_nests_children_and_opens_the_selected_branch():
    root = f.CategoryFactory(name="Root")
    child = f.CategoryFactory(name="Child", parent=root)
    leaf = f.CategoryFactory(name="Leaf", parent=child)
    other = f.CategoryFactory(name="Other")
    scope = CatalogScope.from_paths([fresh(root).path, fresh(other).path])

    tree = category_tree(visible_categories(scope), selected=fresh(leaf))

    assert [node.name for node in tree] == ["Other", "Root"]
    root_node = tree[1]
    assert root_node.open
    assert not root_node.selected
    leaf_node = root_node.children[0].children[0]
    assert (leaf_node.name, leaf_node.selected) == ("Leaf", True)
    assert not tree[0].open


@pytest.mark.django_db
def test_moving_with_update_fields_keeps_the_tree_consistent():
    a = f.CategoryFactory()
    b = f.CategoryFactory(parent=a)
    c = f.CategoryFactory(parent=b)
    x = f.CategoryFactory()

    moving = fresh(b)
    moving.parent = fresh(x)
    moving.save(update_fields=["parent"])

    assert fresh(c).path == f"/{x.pk}/{b.pk}/{c.pk}/"
    assert fresh(b).path == f"/{x.pk}/{b.pk}/"
    assert fresh(c).path.startswith(fresh(b).path)
