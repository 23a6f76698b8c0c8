from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "dealerdesk.pricing"
    label = "pricing"
    verbose_name = "Prices and contracts"

    def ready(self) -> None:
        from dealerdesk.pricing import events

        events.connect()
