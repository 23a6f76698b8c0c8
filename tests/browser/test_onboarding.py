"""A prospect becomes a dealer, end to end in Chromium, as the people involved would do it.

prospect asks for access → staff approves in the back office → invite link → the dealer
sets a password → signs in → sees only their closed catalog → scans (types) a barcode.
"""

from __future__ import annotations

import re

import pytest

from dealerdesk.accounts.choices import StaffRole
from dealerdesk.accounts.models import AccessRequest, Company
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def supplier() -> dict[str, object]:
    """A supplier with an admin, a customer group whose catalog is Cables, and Tools aside."""
    admin = f.StaffFactory(role=StaffRole.ADMIN, user__email="admin@supplier.test")
    admin.user.full_name = "Ada Admin"
    admin.user.save()
    installers = f.CustomerGroupFactory(code="INST", name="Electrical installers")
    cables = f.CategoryFactory(name="Cables")
    tools = f.CategoryFactory(name="Tools")
    cable = f.ProductFactory(
        sku="CAB-NYM-315", name="Cable NYM-J 3x1.5 mm², 100 m", category=cables
    )
    f.BarcodeFactory(product=cable, code="4006381333931")
    f.ProductFactory(sku="CAB-NYM-325", name="Cable NYM-J 3x2.5 mm², 50 m", category=cables)
    drill = f.ProductFactory(sku="TL-DRL-800", name="Hammer drill 800 W", category=tools)
    f.BarcodeFactory(product=drill, code="5901234123457")
    f.CatalogAssignmentFactory(customer_group=installers, category=cables)
    return {"admin": admin, "group": installers}


def test_prospect_to_dealer_finding_a_product_by_barcode(live_server, browser, supplier):
    base = live_server.url

    # A prospect asks for access on the public start page; a bad e-mail is explained first.
    prospect = browser.new_context()
    page = prospect.new_page()
    page.goto(f"{base}/")
    page.fill("#id_company", "Delta Electric LLC")
    page.fill("#id_name", "Dana Doe")
    page.fill("#id_contact", "dana@")
    page.click("text=Request access")
    assert "does not look like an e-mail address" in page.inner_text("#id_contact-errors")
    page.fill("#id_contact", "dana@delta.example")
    page.click("text=Request access")
    page.wait_for_selector("text=Your request is with our sales team")
    prospect.close()
    request_id = AccessRequest.objects.get(contact_email="dana@delta.example").pk

    # Staff sign in, find the request in the queue and approve it with a customer group.
    staff = browser.new_context()
    page = staff.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "admin@supplier.test")
    page.fill("#id_password", f.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/backoffice/$"))
    page.goto(f"{base}/backoffice/accounts/accessrequest/")
    assert "Delta Electric LLC" in page.content()
    page.goto(f"{base}/backoffice/accounts/accessrequest/{request_id}/approve/")
    page.select_option("#id_customer_group", label="Electrical installers")
    page.click("text=Approve and send the invitation")
    page.wait_for_selector(".messagelist .success, ul.messagelist li.success")
    message = page.inner_text(".messagelist")
    link = re.search(r"https?://\S+/invite/[\w-]+/", message)
    assert link, message
    staff.close()
    assert Company.objects.get(name="Delta Electric LLC").customer_group == supplier["group"]

    # The dealer opens the link, sets a password and lands in their portal.
    dealer = browser.new_context()
    page = dealer.new_page()
    page.goto(link.group(0))
    page.fill("#id_full_name", "Dana Doe")
    page.fill("#id_password1", "copper-wire-2026")
    page.fill("#id_password2", "copper-wire-2026")
    page.click("text=Set password and continue")
    page.wait_for_url(re.compile(r"/portal/$"))
    assert "Delta Electric LLC" in page.inner_text("header")

    # Sign out and back in with the new password.
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/login/"))
    page.fill("#id_username", "DANA@delta.example")
    page.fill("#id_password", "copper-wire-2026")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/portal/$"))

    # Only the closed catalog: cables yes, the drill no.
    page.click("nav.mainnav >> text=Catalog")
    listing = page.inner_text("#product-list")
    assert "Cable NYM-J 3x1.5" in listing
    assert "Cable NYM-J 3x2.5" in listing
    assert "Hammer drill" not in page.content()

    # A barcode scanner types the code and Enter into the search box.
    page.fill("#q", "4006381333931")
    page.press("#q", "Enter")
    page.wait_for_selector("#product-sku")
    assert page.inner_text("#product-sku") == "CAB-NYM-315"

    # The drill's barcode finds nothing: it is not in this dealer's catalog.
    page.fill("#q", "5901234123457")
    page.press("#q", "Enter")
    page.wait_for_selector("#result-count")
    assert page.inner_text("#result-count") == "0 products"
    dealer.close()


def test_phone_layout_has_no_horizontal_scroll(live_server, phone_page, world):
    world.buyer_a.user.set_password(f.PASSWORD)
    world.buyer_a.user.save()
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world.buyer_a.user.email)
    page.fill("#id_password", f.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/portal/$"))
    for path in ["/portal/", "/portal/catalog/", f"/portal/products/{world.product_a.pk}/"]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    assert page.is_visible("#q")
