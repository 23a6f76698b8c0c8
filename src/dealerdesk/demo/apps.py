from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dealerdesk.demo"
    label = "demo"
    verbose_name = "Demo data"
