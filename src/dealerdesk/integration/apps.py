from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "dealerdesk.integration"
    label = "integration"
    verbose_name = "ERP integration"
