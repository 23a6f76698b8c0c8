from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "dealerdesk.inventory"
    label = "inventory"
    verbose_name = "Warehouses and stock"

    def ready(self) -> None:
        from dealerdesk.inventory import events

        events.connect()
