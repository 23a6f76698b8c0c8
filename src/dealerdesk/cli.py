"""The ``dealerdesk`` command: Django's management commands under one name.

``dealerdesk seed-demo --scale small`` and ``python -m dealerdesk seed-demo`` both work;
dashes in a command name are read as underscores. ``dealerdesk erp-sim`` is the ERP
simulator, which talks to the portal only over HTTP and so starts without Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ("erp-sim", "erp_sim"):
        from dealerdesk.erpsim.cli import main as erp_sim

        sys.exit(erp_sim(args[2:]))
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "dealerdesk"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
