"""``dealerdesk seed-demo --scale small|large [--seed N]``: load the demo data set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerdesk.demo.erp_simulator import SimulatorSetup, seed_erp_simulator
from dealerdesk.demo.people import DEMO_LOGINS, PASSWORD
from dealerdesk.demo.seed import DEFAULT_SEED, SCALES, DemoDataConflict, SeedReport, seed_demo


class Command(BaseCommand):
    help = (
        "Load a deterministic demo data set: a building-materials and electrical catalog, "
        "dealers with closed catalogs, staff, and the demo logins. 'small' is for trying the "
        "portal, 'large' (50,000 products, 10,000 dealers) for benchmarks. Does nothing if "
        "the demo is already loaded. Also sets up the demo's ERP simulator (an API client, a "
        "webhook endpoint and var/erp-sim.json for `dealerdesk erp-sim`), keeping what exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed; the same seed gives the same data (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--no-images", action="store_true", help="skip product images and staff photos"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: str = options["scale"]
        self.stdout.write(f"Loading the {scale} demo data set (seed {options['seed']})…")
        try:
            report = seed_demo(
                scale,
                options["seed"],
                images_on=not options["no_images"],
                log=self.stdout.write,
            )
        except DemoDataConflict as error:
            raise CommandError(str(error)) from error
        if report.loaded:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {report.seconds:.1f} s."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Demo data is already present; nothing was changed. To load another scale "
                    "or seed, start from an empty database (dealerdesk flush)."
                )
            )
        self._summary(report)
        self._simulator(seed_erp_simulator())

    def _summary(self, report: SeedReport) -> None:
        self.stdout.write("")
        for label, count in report.counts.items():
            self.stdout.write(f"  {label:<22}{count:>10,}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        width = max(len(login.email) for login in DEMO_LOGINS)
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<{width}}  {login.role:<15} {login.company}")

    def _simulator(self, setup: SimulatorSetup) -> None:
        made = [
            what
            for what, created in (
                (f"API client “{setup.client.name}”", setup.client_created),
                (f"webhook endpoint “{setup.endpoint.name}”", setup.endpoint_created),
            )
            if created
        ]
        self.stdout.write("")
        self.stdout.write(
            "ERP simulator: "
            + (f"created the {' and the '.join(made)}; " if made else "")
            + (
                f"wrote {setup.path} with new OAuth2 credentials."
                if setup.file_written
                else f"kept {setup.path}."
            )
        )
        self.stdout.write(f"  webhooks go to {setup.endpoint.url}")
        self.stdout.write(f"  run it with: dealerdesk erp-sim --config {setup.path}")
