from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "dealerdesk.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from dealerdesk.catalog import events

        events.connect()
