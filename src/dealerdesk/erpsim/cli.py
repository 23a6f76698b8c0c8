"""``dealerdesk erp-sim --config var/erp-sim.json [--listen 127.0.0.1:8001] [--speed N]``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from dealerdesk.erpsim.config import ConfigError, load
from dealerdesk.erpsim.simulator import Simulator


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dealerdesk erp-sim",
        description=(
            "A simulated ERP: receives the portal's signed order webhooks, books sales "
            "orders, later confirms, invoices (with a PDF), ships and delivers them, and "
            "changes prices and stock now and then, all through the portal's public API."
        ),
    )
    parser.add_argument(
        "--config", type=Path, default=Path("var/erp-sim.json"), help="written by seed-demo"
    )
    parser.add_argument("--listen", help="host:port to listen on (default: from the config)")
    parser.add_argument("--portal", help="the portal's base URL (default: from the config)")
    parser.add_argument(
        "--speed", type=float, help="how much faster than the configured pace life goes"
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request too")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)-16s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stdout,
    )
    for chatty in ("httpx", "weasyprint", "fontTools"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        config = load(options.config).with_overrides(
            listen=options.listen, speed=options.speed, portal=options.portal
        )
        simulator = Simulator(config)
    except ConfigError as error:
        sys.stderr.write(f"erp-sim: {error}\n")
        return 2
    except OSError as error:  # the address is taken, most often
        sys.stderr.write(f"erp-sim: cannot listen on {options.listen or 'the address'}: {error}\n")
        return 1
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("erpsim").info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    simulator.start()
    stop.wait()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
