"""ASGI entry point (uvicorn dealerdesk.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

from dealerdesk.core.runtime import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
application = get_asgi_application()
freeze_startup_objects()
