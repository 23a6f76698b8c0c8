"""WSGI entry point, for servers that do not speak ASGI."""

import os

from django.core.wsgi import get_wsgi_application

from dealerdesk.core.runtime import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerdesk.settings")
application = get_wsgi_application()
freeze_startup_objects()
