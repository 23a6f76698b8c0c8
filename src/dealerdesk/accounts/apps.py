from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dealerdesk.accounts"
    label = "accounts"
    verbose_name = "Dealers and people"
