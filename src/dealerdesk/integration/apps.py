from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "dealerdesk.integration"
    label = "integration"
    verbose_name = "ERP integration"

    def ready(self) -> None:
        from dealerdesk.integration import tasks
        from dealerdesk.integration.inbound.feeds import register
        from dealerdesk.integration.inbound.master_feeds import MASTER_FEEDS

        # Before the API declares its routes: one endpoint per feed.
        register(*MASTER_FEEDS)

        # A committed outbox event starts its delivery at once instead of at the next poll.
        tasks.connect()
