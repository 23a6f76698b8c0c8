from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "dealerdesk.web.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
