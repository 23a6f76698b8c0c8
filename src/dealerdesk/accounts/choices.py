"""Roles, statuses and policies of the accounts domain."""

from django.db import models


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    BUYER = "buyer", "Buyer"
    ACCOUNTANT = "accountant", "Accountant"
    VIEWER = "viewer", "Viewer"


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Supplier admin"
    SALES_MANAGER = "sales_manager", "Sales manager"


class StockDisplayPolicy(models.TextChoices):
    EXACT = "exact", "Exact quantity"
    BANDED = "banded", "Banded (>10, >100, >1000)"
    IN_OUT = "in_out", "In stock / out of stock"
    HIDDEN = "hidden", "Hidden"


class CreditPolicy(models.TextChoices):
    """What happens to an order that would take the dealer over its credit limit."""

    DEFAULT = "", "The supplier's default"
    WARN = "warn", "Place it and warn"
    APPROVAL = "approval", "Hold it for a manager's approval"
    BLOCK = "block", "Refuse it"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class InviteStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
