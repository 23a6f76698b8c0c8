from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dealerdesk.core"
    label = "core"
    verbose_name = "Audit and core"
