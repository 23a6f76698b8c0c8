"""ASGI entry point (uvicorn dealerdesk.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

from dealerdesk.core.runtime import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
django_application = get_asgi_application()

from dealerdesk.web.ops.limits import BodyLimit  # noqa: E402 (needs Django set up)

# Bodies over the largest any endpoint reads are refused as they arrive, not spooled first.
application = BodyLimit(django_application)
freeze_startup_objects()
