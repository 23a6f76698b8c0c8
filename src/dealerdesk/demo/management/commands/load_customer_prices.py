"""``dealerdesk load-customer-prices --count 1000000``: negotiated prices for a load test."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerdesk.demo.bulk_prices import AlreadyLoaded, add_customer_prices


class Command(BaseCommand):
    help = (
        "Add COUNT customer-specific prices on top of the demo data, spread evenly over the "
        "dealers, on products of their catalogs (a load test of pricing). Runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 0:
            raise CommandError("--count must be zero or more")
        started = time.perf_counter()
        try:
            written = add_customer_prices(options["count"], options["seed"])
        except (AlreadyLoaded, LookupError) as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(f"{written:,} customer prices loaded in {seconds:.1f} s.")
