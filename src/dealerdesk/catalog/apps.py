from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "dealerdesk.catalog"
    label = "catalog"
    verbose_name = "Catalog"
