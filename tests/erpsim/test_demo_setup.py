"""``seed-demo`` sets up the demo's ERP simulator: an API client, a webhook endpoint and the
configuration file, once; and the simulator signs in to the real portal with them."""

from __future__ import annotations

import base64
import json
import stat
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from oauth2_provider.models import AccessToken

from dealerdesk.demo.erp_simulator import CLIENT_NAME, ENDPOINT_NAME, SCOPES, seed_erp_simulator
from dealerdesk.erpsim.config import load
from dealerdesk.erpsim.portal import PortalClient, PortalUnavailable
from dealerdesk.integration.models import ApiClient, WebhookEndpoint


@pytest.fixture
def config_file(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "var" / "erp-sim.json"
    settings.DEALERDESK_ERP_SIM_CONFIG = path
    return path


def test_the_first_run_creates_the_client_the_endpoint_and_a_private_config(
    shop, config_file: Path
) -> None:
    setup = seed_erp_simulator()

    client = ApiClient.objects.get(name=CLIENT_NAME)
    assert sorted(client.scopes) == sorted(SCOPES)
    assert client.oauth_application is not None
    endpoint = WebhookEndpoint.objects.get(name=ENDPOINT_NAME)
    assert endpoint.url == "http://127.0.0.1:8001/webhooks"
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 24
    assert setup.client_created
    assert setup.endpoint_created
    assert setup.file_written

    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    written = json.loads(config_file.read_text())
    assert written["client_id"] == client.oauth_application.client_id
    assert written["webhook_secret"] == endpoint.secret
    assert written["portal_url"] == "http://127.0.0.1:8000"
    assert written["listen"] == "127.0.0.1:8001"
    assert written["warehouses"] == [{"code": "C", "id": shop.depot.pk}]
    assert written["price_types"] == ["W"]
    by_sku = {p["sku"]: p for p in written["products"]}
    assert Decimal(by_sku["CAB-001"]["prices"]["W"]) == Decimal("120")
    assert by_sku["CAB-001"]["stock"] == {"C": "10"}
    assert "TOOL-001" not in by_sku  # no price and no stock: nothing for the ERP to move
    config = load(config_file)  # the simulator reads what the seed wrote
    assert config.books == config_file.parent / "erp-sim-books.json"
    assert config.client_secret == written["client_secret"]
    assert {p.sku for p in config.products} == {"CAB-001", "CAB-002"}


def test_a_second_run_keeps_everything(shop, config_file: Path) -> None:
    seed_erp_simulator()
    books = config_file.parent / "erp-sim-books.json"
    books.write_text("{}")
    before = config_file.read_text()
    secret = WebhookEndpoint.objects.get().secret

    again = seed_erp_simulator()

    assert not again.client_created
    assert not again.endpoint_created
    assert not again.file_written
    assert config_file.read_text() == before
    assert ApiClient.objects.filter(name=CLIENT_NAME).count() == 1
    assert WebhookEndpoint.objects.get().secret == secret
    assert books.exists()


def test_a_new_portal_database_starts_the_simulators_books_afresh(shop, config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    books = config_file.parent / "erp-sim-books.json"
    books.write_text('{"orders": "of another portal"}')

    seed_erp_simulator()

    assert not books.exists()


def test_a_lost_config_gets_new_credentials_and_keeps_the_endpoint(shop, config_file: Path) -> None:
    seed_erp_simulator()
    first = json.loads(config_file.read_text())
    config_file.unlink()

    again = seed_erp_simulator()

    second = json.loads(config_file.read_text())
    assert again.file_written
    assert not again.client_created
    assert not again.endpoint_created
    assert second["client_id"] == first["client_id"]
    assert second["client_secret"] != first["client_secret"]
    assert second["webhook_secret"] == first["webhook_secret"]
    application = ApiClient.objects.get(name=CLIENT_NAME).oauth_application
    assert application is not None
    assert application.client_secret != second["client_secret"]  # kept hashed


def test_the_seed_demo_command_reports_the_simulator(
    shop, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dealerdesk.demo.management.commands import seed_demo as command
    from dealerdesk.demo.seed import SeedReport

    # The demo data itself is tested elsewhere; here it is already "present".
    monkeypatch.setattr(command, "seed_demo", lambda *a, **k: SeedReport(loaded=False))
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert f"wrote {config_file}" in out.getvalue()
    assert "http://127.0.0.1:8001/webhooks" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"kept {config_file}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_simulator_gets_a_token_from_the_portal_with_the_seeded_credentials(
    live_server, config_file: Path
) -> None:
    seed_erp_simulator(portal_url=live_server.url)
    config = load(config_file)

    portal = PortalClient(config.portal_url, config.client_id, config.client_secret)
    try:
        token = portal.token()
        assert portal.token() == token  # kept until it nears expiry
        renewed = portal.token(fresh=True)
    finally:
        portal.close()

    client = ApiClient.objects.get(name=CLIENT_NAME)
    stored = AccessToken.objects.filter(application=client.oauth_application)
    assert renewed != token
    assert stored.count() == 2
    assert all(set(t.scope.split()) == set(SCOPES) for t in stored)
    wrong = PortalClient(config.portal_url, config.client_id, "not-the-secret")
    try:
        with pytest.raises(PortalUnavailable, match="client_id and client_secret"):
            wrong.token()
    finally:
        wrong.close()
