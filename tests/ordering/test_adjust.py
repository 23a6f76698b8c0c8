"""Staff adjusting an order's quantities: checked per line, the reservation follows, the
prices stay as quoted, and every change is told (timeline, audit, ERP, the buyer)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from dealerdesk.accounts.choices import CreditPolicy
from dealerdesk.core.models import AuditEntry, OutboxMessage
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import StockLevel, StockMovement
from dealerdesk.ordering.adjust import AdjustedLineError, adjust_order
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.errors import LineProblem, OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import Order, OrderEvent, OrderLine
from dealerdesk.ordering.services import OrderLineRequest, cancel_order, place_order
from dealerdesk.pricing.models import CustomerPrice, Price
from tests.concurrency import race

pytestmark = pytest.mark.django_db

D = Decimal
REASON = "The dealer asked by phone"


def _place(world, *lines, key="adjust-0001", backorder=False):  # type: ignore[no-untyped-def]
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(product.pk, D(qty), backorder=backorder) for product, qty in lines],
        submission_key=key,
    ).order


@pytest.fixture
def order(world, shop):  # type: ignore[no-untyped-def]
    """4 of CAB-001 at 120.00 and 2 of CAB-002 at 80.00, VAT 20 %, 10 of each in the depot."""
    return _place(world, (world.product_a, 4), (world.product_a_child, 2))


def _lines(order: Order) -> dict[str, OrderLine]:
    return {line.sku: line for line in order.lines.all()}


def _reserved(product, depot) -> Decimal:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(product=product, warehouse=depot).reserved


def _held(order: Order) -> dict[int, Decimal]:
    """What the ledger says is still reserved under the order's number, per product."""
    rows = (
        StockMovement.objects.filter(reference=order.number)
        .values_list("product_id")
        .annotate(held=Sum("reserved_delta"))
    )
    return {product: held for product, held in rows if held}


def _adjust(order, changes, world, reason=REASON):  # type: ignore[no-untyped-def]
    return adjust_order(order, changes, by=world.manager_a.user, reason=reason)


def _unchanged(order: Order, world, shop) -> None:  # type: ignore[no-untyped-def]
    """The order, its reservation and its history are as placed."""
    fresh = Order.objects.get(pk=order.pk)
    assert {sku: line.quantity for sku, line in _lines(fresh).items()} == {
        "CAB-001": D(4),
        "CAB-002": D(2),
    }
    assert (fresh.total_net, fresh.total_gross) == (D("640.00"), D("768.00"))
    assert _reserved(world.product_a, shop.depot) == D(4)
    assert _reserved(world.product_a_child, shop.depot) == D(2)
    assert fresh.events.count() == 1
    assert not OutboxMessage.objects.filter(topic="order.changed").exists()
    assert not AuditEntry.objects.filter(verb="changed the quantities").exists()


def test_reducing_a_line_releases_the_difference_and_recomputes_the_totals(world, shop, order):
    line = _lines(order)["CAB-001"]

    changed = _adjust(order, {line.pk: D(1)}, world)

    line.refresh_from_db()
    assert line.quantity == D(1)
    assert (line.line_net, line.line_vat, line.line_gross) == (D(120), D(24), D(144))
    assert (changed.total_net, changed.total_vat, changed.total_gross) == (
        D("280.00"),
        D("56.00"),
        D("336.00"),
    )
    stored = Order.objects.get(pk=order.pk)
    assert (stored.total_net, stored.total_gross) == (D(280), D(336))
    assert stored.status == OrderStatus.PLACED
    assert _reserved(world.product_a, shop.depot) == D(1)
    [release] = StockMovement.objects.filter(kind=StockMovementKind.RELEASE)
    assert (release.reference, release.reserved_delta) == (order.number, D(-3))
    assert release.actor == world.manager_a.user


def test_raising_a_line_within_the_stock_reserves_the_extra(world, shop, order):
    line = _lines(order)["CAB-001"]

    _adjust(order, {line.pk: D(10)}, world)

    assert _reserved(world.product_a, shop.depot) == D(10)
    line.refresh_from_db()
    assert (line.quantity, line.line_net) == (D(10), D(1200))
    reservations = StockMovement.objects.filter(
        reference=order.number, product=world.product_a, kind=StockMovementKind.RESERVATION
    )
    assert sorted(reservations.values_list("reserved_delta", flat=True)) == [D(4), D(6)]


def test_raising_beyond_the_stock_is_refused_and_nothing_changes(world, shop, order):
    lines = _lines(order)

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {lines["CAB-001"].pk: D(11), lines["CAB-002"].pk: D(1)}, world)

    error = caught.value
    assert error.code == OrderingErrorCode.INSUFFICIENT_STOCK
    [problem] = error.lines
    assert isinstance(problem, AdjustedLineError)
    assert (problem.line_id, problem.problem) == (lines["CAB-001"].pk, LineProblem.SHORT)
    assert problem.message.startswith("Only 6 available in C.")
    assert "CAB-001 (line 1)" in error.message
    _unchanged(order, world, shop)


def test_a_backorder_line_may_be_raised_beyond_the_stock(world, shop):
    order = _place(world, (world.product_a, 4), backorder=True)
    [line] = order.lines.all()

    _adjust(order, {line.pk: D(25)}, world)

    assert _reserved(world.product_a, shop.depot) == D(25)
    assert _held(order) == {world.product_a.pk: D(25)}


def test_with_backorders_switched_off_a_backorder_line_stays_within_the_stock(
    world, shop, settings
):
    order = _place(world, (world.product_a, 4), backorder=True)
    [line] = order.lines.all()
    settings.DEALERDESK_ALLOW_BACKORDERS = False

    with pytest.raises(OrderingError) as refused:
        _adjust(order, {line.pk: D(25)}, world)

    assert refused.value.code == OrderingErrorCode.INSUFFICIENT_STOCK
    assert _reserved(world.product_a, shop.depot) == D(4)


def test_a_line_set_to_zero_is_dropped(world, shop, order):
    lines = _lines(order)

    changed = _adjust(order, {lines["CAB-002"].pk: D(0)}, world)

    assert list(changed.lines.values_list("sku", "number")) == [("CAB-001", 1)]
    assert not OrderLine.objects.filter(pk=lines["CAB-002"].pk).exists()
    assert _reserved(world.product_a_child, shop.depot) == 0
    assert (changed.total_net, changed.total_gross) == (D("480.00"), D("576.00"))
    event = changed.events.last()
    assert event.note == f"CAB-002: 2 → 0 (dropped) — reason: {REASON}"


def test_dropping_every_line_is_refused(world, shop, order):
    lines = _lines(order)

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {lines["CAB-001"].pk: D(0), lines["CAB-002"].pk: D(0)}, world)

    assert caught.value.code == OrderingErrorCode.ALL_LINES_DROPPED
    assert "cancel the order" in caught.value.message
    _unchanged(order, world, shop)


@pytest.mark.parametrize("status", [OrderStatus.ACCEPTED, OrderStatus.SHIPPED])
def test_an_order_the_erp_accepted_cannot_be_adjusted(world, shop, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    line = _lines(order)["CAB-001"]

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {line.pk: D(1)}, world)

    assert caught.value.code == OrderingErrorCode.NOT_ADJUSTABLE
    line.refresh_from_db()
    assert line.quantity == D(4)


def test_a_cancelled_order_cannot_be_adjusted(world, shop, order):
    cancel_order(order, actor=world.buyer_a.user)
    line = _lines(order)["CAB-001"]

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {line.pk: D(1)}, world)

    assert caught.value.code == OrderingErrorCode.NOT_ADJUSTABLE
    assert _reserved(world.product_a, shop.depot) == 0


def test_a_quantity_against_the_product_rules_is_refused_naming_the_line(world, shop, order):
    world.product_a_child.pack_multiple = D(2)
    world.product_a_child.save()
    lines = _lines(order)

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {lines["CAB-001"].pk: D(-1), lines["CAB-002"].pk: D(3)}, world)

    error = caught.value
    assert error.code == OrderingErrorCode.LINES_INVALID
    by_line = {problem.line_id: problem for problem in error.lines}  # type: ignore[attr-defined]
    assert by_line[lines["CAB-001"].pk].problem == LineProblem.NOT_POSITIVE
    assert "0 (to drop the line)" in by_line[lines["CAB-001"].pk].message
    assert by_line[lines["CAB-002"].pk].problem == LineProblem.NOT_PACK_MULTIPLE
    assert by_line[lines["CAB-002"].pk].message == "Sold in packs of 2: order 2 or 4."
    assert "CAB-002 (line 2): Sold in packs of 2" in error.message
    _unchanged(order, world, shop)


def test_a_line_of_another_order_is_refused(world, shop, order):
    other = _place(world, (world.product_a, 1), key="adjust-0002")
    [foreign] = other.lines.all()

    with pytest.raises(OrderingError) as caught:
        _adjust(order, {foreign.pk: D(2)}, world)

    assert caught.value.code == OrderingErrorCode.UNKNOWN_LINES
    foreign.refresh_from_db()
    assert foreign.quantity == D(1)
    assert _reserved(world.product_a, shop.depot) == D(5)


def test_a_reason_is_required_and_an_unchanged_form_changes_nothing(world, shop, order):
    line = _lines(order)["CAB-001"]

    with pytest.raises(OrderingError) as no_reason:
        _adjust(order, {line.pk: D(1)}, world, reason="   ")
    with pytest.raises(OrderingError) as same:
        _adjust(order, {line.pk: D("4.000")}, world)

    assert no_reason.value.code == OrderingErrorCode.REASON_REQUIRED
    assert same.value.code == OrderingErrorCode.NOTHING_CHANGED
    _unchanged(order, world, shop)


def test_the_ledger_and_the_reservation_match_the_new_quantities(world, shop, order):
    lines = _lines(order)

    _adjust(order, {lines["CAB-001"].pk: D(7), lines["CAB-002"].pk: D(1)}, world)
    _adjust(order, {lines["CAB-001"].pk: D(5)}, world)

    held = _held(order)
    assert held == {world.product_a.pk: D(5), world.product_a_child.pk: D(1)}
    for line in order.lines.all():
        assert _reserved(line.product, shop.depot) == line.quantity == held[line.product_id]
    # every ledger row explains the figure it left behind
    for movement in StockMovement.objects.filter(reference=order.number).order_by("id"):
        assert movement.reserved_after >= 0


def test_one_product_on_two_lines_nets_the_reservation(world, shop):
    order = _place(world, (world.product_a, 3), (world.product_a, 3))
    first, second = order.lines.all()

    # 6 of 10 held: raising one line by 4 and lowering the other by 2 needs only 2 more
    _adjust(order, {first.pk: D(7), second.pk: D(1)}, world)

    assert _reserved(world.product_a, shop.depot) == D(8)
    assert _held(order) == {world.product_a.pk: D(8)}


def test_prices_stay_as_quoted_and_amounts_round_like_checkout(world, shop):
    CustomerPrice.objects.create(
        company=world.company_a, product=world.product_a, amount=D("33.33")
    )
    order = _place(world, (world.product_a, 1))
    [line] = order.lines.all()
    Price.objects.filter(product=world.product_a).update(amount=D(999))
    CustomerPrice.objects.filter(product=world.product_a).update(amount=D(1))

    changed = _adjust(order, {line.pk: D(3)}, world)

    line.refresh_from_db()
    assert line.unit_price == D("33.33")
    # the same figures an order placed for 3 at 33.33 would have: 99.99 + 20.00 VAT
    assert (line.line_net, line.line_vat, line.line_gross) == (D("99.99"), D("20.00"), D("119.99"))
    assert (changed.total_net, changed.total_vat, changed.total_gross) == (
        D("99.99"),
        D("20.00"),
        D("119.99"),
    )


def test_the_change_is_on_the_timeline_and_in_the_audit_log(world, shop, order):
    lines = _lines(order)

    _adjust(order, {lines["CAB-001"].pk: D(6), lines["CAB-002"].pk: D(0)}, world)

    event = OrderEvent.objects.filter(order=order).last()
    assert event.status == OrderStatus.PLACED
    assert event.actor == world.manager_a.user
    assert event.note == f"CAB-001: 4 → 6; CAB-002: 2 → 0 (dropped) — reason: {REASON}"
    entry = AuditEntry.objects.get(verb="changed the quantities")
    assert entry.actor == world.manager_a.user
    assert entry.company_id == world.company_a.pk
    assert entry.source == "back office"
    assert entry.before == {
        "line 1 CAB-001": "4",
        "line 2 CAB-002": "2",
        "total_net": "640.00",
        "total_vat": "128.00",
        "total_gross": "768.00",
        "reason": None,
    }
    assert entry.after == {
        "line 1 CAB-001": "6",
        "line 2 CAB-002": "0",
        "total_net": "720.00",
        "total_vat": "144.00",
        "total_gross": "864.00",
        "reason": REASON,
    }


@pytest.mark.parametrize("status", [OrderStatus.PLACED, OrderStatus.SENT_TO_ERP])
def test_an_order_the_erp_has_gets_an_order_changed_message(world, shop, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    lines = _lines(order)

    _adjust(order, {lines["CAB-001"].pk: D(6), lines["CAB-002"].pk: D(0)}, world)

    [message] = OutboxMessage.objects.filter(topic="order.changed")
    assert message.key == f"order:{order.number}"
    assert message.company_id == world.company_a.pk
    payload = message.payload
    assert payload["status"] == status
    assert payload["reason"] == REASON
    assert payload["totals"]["gross"] == "864.00"
    assert [(ln["number"], ln["sku"], D(ln["quantity"])) for ln in payload["lines"]] == [
        (1, "CAB-001", D(6))
    ]


def test_a_held_order_stays_held_and_the_erp_hears_nothing(world, shop):
    world.company_a.credit_limit = D(50)
    world.company_a.credit_policy = CreditPolicy.APPROVAL
    world.company_a.save()
    order = _place(world, (world.product_a, 4))
    assert order.status == OrderStatus.AWAITING_APPROVAL
    [line] = order.lines.all()

    changed = _adjust(order, {line.pk: D(1)}, world)

    assert changed.status == OrderStatus.AWAITING_APPROVAL
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_APPROVAL
    assert changed.events.last().status == OrderStatus.AWAITING_APPROVAL
    assert not OutboxMessage.objects.filter(topic="order.changed").exists()


def test_the_buyer_is_told_by_e_mail(
    world, shop, order, mailoutbox, django_capture_on_commit_callbacks
):
    lines = _lines(order)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _adjust(order, {lines["CAB-001"].pk: D(6), lines["CAB-002"].pk: D(0)}, world)

    [mail] = mailoutbox
    assert mail.to == [world.buyer_a.user.email]
    assert mail.subject == f"Order {order.number} was changed — 864.00 EUR"
    assert "CAB-001 Cable NYM 3x1.5: 4 → 6" in mail.body
    assert "CAB-002 Cable NYY 5x10: 2 → 0 (removed from the order)" in mail.body
    assert f"Reason: {REASON}" in mail.body
    assert "1. CAB-001 Cable NYM 3x1.5 — 6 \u00d7 120.00 EUR = 720.00 EUR" in mail.body
    assert "Total: 864.00 EUR" in mail.body
    assert f"/portal/orders/{order.number}/" in mail.body


def test_an_order_a_manager_placed_for_the_dealer_tells_the_dealer(
    world, shop, mailoutbox, django_capture_on_commit_callbacks
):
    manager = world.manager_a.user
    order = place_order(
        world.company_a,
        manager,
        [OrderLineRequest(world.product_a.pk, D(4))],
        submission_key="adjust-assisted",
        on_behalf_by=manager,
        notify=False,
    ).order
    [line] = order.lines.all()

    with django_capture_on_commit_callbacks(execute=True):
        _adjust(order, {line.pk: D(2)}, world)

    [mail] = mailoutbox
    assert sorted(mail.to) == sorted([manager.email, "owner@alpha.test"])


def test_a_refused_adjustment_sends_no_mail(
    world, shop, order, mailoutbox, django_capture_on_commit_callbacks
):
    line = _lines(order)["CAB-001"]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OrderingError):
        _adjust(order, {line.pk: D(50)}, world)

    assert mailoutbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_adjustments_racing_checkouts_never_oversell_or_deadlock(world, shop):
    # Each adjustment raises one product and lowers the other, in opposite directions, while
    # buyers check out both: the rows must be locked in one order, or this deadlocks.
    orders = [
        _place(world, (world.product_a, 2), (world.product_a_child, 2), key=f"race-base-{n}")
        for n in range(2)
    ]
    first, second = ([line.pk for line in o.lines.order_by("number")] for o in orders)
    actions = [
        lambda: _adjust(orders[0], {first[0]: D(4), first[1]: D(1)}, world),
        lambda: _adjust(orders[1], {second[0]: D(1), second[1]: D(4)}, world),
        *(
            lambda n=n: _place(  # type: ignore[misc]
                world, (world.product_a_child, 1), (world.product_a, 1), key=f"race-buy-{n}"
            )
            for n in range(4)
        ),
    ]

    results = race(actions)

    # everything fits the stock (10 of each), so every one of them must have gone through
    assert [r for r in results if isinstance(r, Exception)] == []
    for level in StockLevel.objects.filter(warehouse=shop.depot):
        assert level.reserved <= level.on_hand
        ordered = OrderLine.objects.filter(product=level.product_id).aggregate(q=Sum("quantity"))
        assert level.reserved == (ordered["q"] or 0)
