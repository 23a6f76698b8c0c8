from django.apps import AppConfig


class OrderingConfig(AppConfig):
    name = "dealerdesk.ordering"
    label = "ordering"
    verbose_name = "Orders"
