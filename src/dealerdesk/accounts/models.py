"""Companies (dealers), people, their memberships, invites and access requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from dealerdesk.accounts.choices import (
    AccessRequestStatus,
    CreditPolicy,
    InviteStatus,
    MembershipRole,
    StaffRole,
    StockDisplayPolicy,
)
from dealerdesk.core.models import ErpRecord, TimeStampedModel
from dealerdesk.core.money import validate_currency
from dealerdesk.core.text import company_key


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a dealer's employee or one of the supplier's staff."""

    email = models.EmailField("e-mail", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_staff = models.BooleanField(
        "supplier staff", default=False, help_text="Can open the back office."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class CodedErpRecord(ErpRecord):
    """A short reference list row the ERP names by a code (region, group, tier)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=150)

    class Meta:
        abstract = True
        ordering: ClassVar[tuple[str, ...]] = ("name",)

    def __str__(self) -> str:
        return self.name


class Region(CodedErpRecord):
    """A sales region (oblast, state, territory) used for price lists, warehouses and staff."""


class CustomerGroup(CodedErpRecord):
    """A group of dealers that shares a catalog and (later) price lists."""


class Tier(CodedErpRecord):
    """A dealer level (e.g. Silver, Gold, Platinum); a higher rank is a better tier."""

    rank = models.PositiveSmallIntegerField(default=0)

    class Meta(CodedErpRecord.Meta):
        ordering = ("rank", "name")


class StaffProfile(TimeStampedModel):
    """One of the supplier's people: their role and the card dealers see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    title = models.CharField(max_length=150, blank=True, help_text="e.g. Key account manager")
    phone = models.CharField(max_length=32, blank=True)
    photo = models.ImageField(upload_to="staff/", blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="staff")
    external_id = models.CharField(
        "ERP id", max_length=100, unique=True, null=True, blank=True, default=None
    )

    class Meta:
        ordering = ("user__full_name",)

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


class CompanyQuerySet(models.QuerySet["Company"]):
    def active(self) -> CompanyQuerySet:
        return self.filter(is_blocked=False)


class Company(ErpRecord):
    """A dealer: the ERP's counterparty, whose people order through the portal."""

    name = models.CharField("trading name", max_length=200)
    legal_name = models.CharField(max_length=255, blank=True)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    tax_id = models.CharField("tax id", max_length=32, blank=True, db_index=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    customer_group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="companies"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="companies"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="companies"
    )
    stock_display_policy = models.CharField(
        max_length=10, choices=StockDisplayPolicy.choices, default=StockDisplayPolicy.EXACT
    )
    stock_bands = models.JSONField(
        "stock bands",
        default=list,
        blank=True,
        help_text="Thresholds for the banded policy, e.g. [10, 100, 1000]; empty uses the "
        "supplier's default.",
    )
    personal_manager = models.ForeignKey(
        StaffProfile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
        help_text="The supplier's person this dealer works with.",
    )
    is_blocked = models.BooleanField("blocked", default=False)
    blocked_reason = models.CharField(max_length=255, blank=True)
    # Credit: the ERP keeps these current (staff may set them meanwhile).
    credit_limit = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Empty: no limit.",
    )
    balance = models.DecimalField(
        "open balance",
        max_digits=16,
        decimal_places=2,
        default=Decimal(0),
        help_text="What the dealer owes on issued invoices (the ERP's figure).",
    )
    credit_currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    credit_policy = models.CharField(
        max_length=10,
        choices=CreditPolicy.choices,
        blank=True,
        default=CreditPolicy.DEFAULT,
        help_text="Over the limit: warn, hold for approval, or refuse.",
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = company_key(self.name)
        super().save(*args, **kwargs)


class Membership(TimeStampedModel):
    """A person's place in a dealer company, with the role that says what they may do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=20, choices=MembershipRole.choices, default=MembershipRole.BUYER
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("company__name", "user__email")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    @property
    def can_manage_team(self) -> bool:
        return self.role == MembershipRole.OWNER

    @property
    def can_order(self) -> bool:
        """Owners and buyers place orders; accountants and viewers follow them."""
        return self.role in (MembershipRole.OWNER, MembershipRole.BUYER)


class Invite(TimeStampedModel):
    """A single-use, expiring link that brings a person into a dealer company.

    Only a hash of the token is stored: the link itself exists in the e-mail alone.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField("e-mail")
    role = models.CharField(
        max_length=20, choices=MembershipRole.choices, default=MembershipRole.BUYER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invites_sent",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invites_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    access_request = models.ForeignKey(
        "AccessRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="invites"
    )

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(Lower("email"), name="invite_email_lower")]

    def __str__(self) -> str:
        return f"Invite for {self.email} to {self.company}"

    @property
    def status(self) -> InviteStatus:
        if self.accepted_at:
            return InviteStatus.ACCEPTED
        if self.revoked_at:
            return InviteStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InviteStatus.EXPIRED
        return InviteStatus.PENDING


class AccessRequest(TimeStampedModel):
    """A prospect's request to become a dealer, waiting in the staff queue."""

    company_name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    contact_name = models.CharField(max_length=150)
    contact = models.CharField("e-mail or phone, as typed", max_length=200)
    contact_email = models.EmailField(blank=True, db_index=True)
    contact_phone = models.CharField(max_length=32, blank=True, db_index=True)
    status = models.CharField(
        max_length=10,
        choices=AccessRequestStatus.choices,
        default=AccessRequestStatus.PENDING,
        db_index=True,
    )
    times_requested = models.PositiveIntegerField(default=1)
    last_requested_at = models.DateTimeField(default=timezone.now)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_requests"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-last_requested_at",)
        constraints = [
            # At most one open request per contact: a repeat is counted, not filed again.
            models.UniqueConstraint(
                fields=["contact_email"],
                condition=models.Q(status="pending") & ~models.Q(contact_email=""),
                name="access_request_one_pending_per_email",
            ),
            models.UniqueConstraint(
                fields=["contact_phone"],
                condition=models.Q(status="pending") & ~models.Q(contact_phone=""),
                name="access_request_one_pending_per_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} — {self.contact_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = company_key(self.company_name)
        super().save(*args, **kwargs)
