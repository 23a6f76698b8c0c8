"""``dealerdesk erp-sim``: the configuration's errors, and a real process that starts,
answers and stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dealerdesk.cli import main as dealerdesk
from dealerdesk.erpsim.config import ConfigError, load, parse
from tests.erpsim.conftest import SECRET


def test_every_problem_of_a_config_is_named_by_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(
            {
                "portal_url": "ftp://portal",
                "client_id": "",
                "client_secret": "s",
                "webhook_secret": "whsec_not base64!",
                "listen": "8001",
                "speed": 0,
                "pace": {"invoice": -1, "lunch": 5},
                "warehouses": [{"name": "no code"}],
                "products": [{"name": "no id"}, {"sku": "A", "prices": {"W": "cheap"}}],
            }
        )
    message = str(caught.value)
    for key in (
        "portal_url",
        "client_id",
        "webhook_secret",
        "listen",
        "speed",
        "pace.invoice",
        "pace: unknown step lunch",
        "warehouses[0]",
        "products[0]",
        "products[1].prices.W",
    ):
        assert key in message, key


def test_a_missing_or_broken_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="seed-demo"):
        load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load(broken)


def test_the_command_line_overrides_listen_and_speed(tmp_path: Path) -> None:
    config = parse(_config_dict("http://127.0.0.1:9"))
    changed = config.with_overrides(listen="127.0.0.2:9100", speed=4)

    assert (changed.listen_host, changed.listen_port) == ("127.0.0.2", 9100)
    assert changed.timing.invoice == config.pace.invoice / 4
    with pytest.raises(ConfigError, match="--speed"):
        config.with_overrides(speed=0)


def test_dealerdesk_erp_sim_reports_a_missing_config_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        dealerdesk(["dealerdesk", "erp-sim", "--config", str(tmp_path / "none.json")])

    assert stopped.value.code == 2
    assert "seed-demo" in capsys.readouterr().err


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_process_serves_and_stops_gracefully(tmp_path: Path, stop_with: signal.Signals) -> None:
    path = tmp_path / "erp-sim.json"
    path.write_text(json.dumps(_config_dict("http://127.0.0.1:9")))
    process = subprocess.Popen(  # noqa: S603 (our own command on our own file)
        [sys.executable, "-m", "dealerdesk.cli", "erp-sim", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings"},  # proves no Django
    )
    try:
        assert process.stdout is not None
        url = None
        deadline = time.monotonic() + 15
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if found := re.search(r"listening on (http://\S+)", line):
                url = found.group(1)
        assert url, "the simulator did not start"
        assert httpx.get(f"{url}/status", timeout=5).json()["up"] is True

        process.send_signal(stop_with)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "stopping" in output
    assert "ERP simulator stopped" in output


def _config_dict(portal_url: str) -> dict:
    return {
        "portal_url": portal_url,
        "client_id": "id",
        "client_secret": "secret",
        "webhook_secret": SECRET,
        "listen": "127.0.0.1:0",
        "pace": {"market": 0},
    }
