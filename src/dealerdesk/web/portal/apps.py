from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dealerdesk.web.portal"
    label = "portal"
    verbose_name = "Dealer portal"
