"""Models of the integration domain: machine clients and their credentials, inbound
messages from the ERP, outbound deliveries to it, and what the sync monitor keeps."""

from dealerdesk.integration.models.clients import ApiClient, ApiKey, PersonalToken
from dealerdesk.integration.models.inbound import InboundMessage
from dealerdesk.integration.models.monitor import SyncAlert, SyncCategory, WorkerHeartbeat
from dealerdesk.integration.models.outbound import Delivery, DeliveryAttempt, WebhookEndpoint

__all__ = [
    "ApiClient",
    "ApiKey",
    "Delivery",
    "DeliveryAttempt",
    "InboundMessage",
    "PersonalToken",
    "SyncAlert",
    "SyncCategory",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]
