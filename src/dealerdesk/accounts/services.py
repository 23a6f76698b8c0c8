"""State changes of the accounts domain: access requests, invites, memberships.

Each service owns its transaction, writes the audit log, and sends e-mail only after commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dealerdesk.accounts.choices import AccessRequestStatus, InviteStatus, MembershipRole
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import (
    AccessRequest,
    Company,
    CustomerGroup,
    Invite,
    Membership,
    Region,
    StaffProfile,
    Tier,
    User,
)
from dealerdesk.accounts.queries import companies_for_staff
from dealerdesk.core import audit, outbox
from dealerdesk.core.mail import send_email_on_commit
from dealerdesk.core.models import AuditAction
from dealerdesk.core.text import collapse_spaces, company_key

# The longest address SMTP allows (RFC 5321 path limit), and the width of e-mail columns.
MAX_EMAIL_LENGTH = 254

# --- access requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    email: str = ""
    phone: str = ""


def parse_contact(raw: str) -> Contact:
    """Read "e-mail or phone" as one of the two, normalised (lower-case e-mail, E.164 phone)."""
    value = raw.strip()
    if not value:
        raise ValidationError("Enter an e-mail address or a phone number.", code="required")
    if "@" in value:
        if len(value) > MAX_EMAIL_LENGTH:
            raise ValidationError(
                f"This e-mail address is too long (at most {MAX_EMAIL_LENGTH} characters).",
                code="invalid_email",
            )
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValidationError(
                "This does not look like an e-mail address (for example name@company.com).",
                code="invalid_email",
            ) from error
        return Contact(email=value.lower())
    if sum(ch.isdigit() for ch in value) < 6:
        raise ValidationError(
            "Enter an e-mail address, or a phone number with its area code.", code="invalid"
        )
    try:
        number = phonenumbers.parse(value, settings.DEALERDESK_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            "This does not look like a phone number. Write it with the country code, "
            "for example +49 30 1234567.",
            code="invalid_phone",
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "This phone number is not valid. Write it with the country code, "
            "for example +49 30 1234567.",
            code="invalid_phone",
        )
    return Contact(phone=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _clean_text(value: str, field: str, label: str, min_len: int, max_len: int) -> str:
    text = collapse_spaces(value or "")
    if not text:
        raise ValidationError({field: f"Enter {label}."})
    if len(text) < min_len:
        raise ValidationError({field: f"{label.capitalize()} is too short."})
    if len(text) > max_len:
        raise ValidationError({field: f"Keep {label} under {max_len} characters."})
    if not any(ch.isalnum() for ch in text):
        raise ValidationError({field: f"{label.capitalize()} needs letters or digits."})
    return text


def validate_access_request(
    company_name: str, contact_name: str, contact: str
) -> tuple[str, str, Contact]:
    """Check the three fields; every field's problem is reported at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = (
        ("company", lambda: _clean_text(company_name, "company", "the company name", 2, 200)),
        ("name", lambda: _clean_text(contact_name, "name", "your name", 2, 150)),
        ("contact", lambda: parse_contact(contact)),
    )
    for field, check in checks:
        try:
            cleaned[field] = check()
        except ValidationError as error:
            messages = error.message_dict.get(field) if hasattr(error, "error_dict") else None
            errors[field] = messages or error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned["company"], cleaned["name"], cleaned["contact"]


@dataclass(frozen=True)
class AccessRequestResult:
    access_request: AccessRequest
    created: bool


def request_access(
    *, company_name: str, contact_name: str, contact: str, remote_addr: str | None = None
) -> AccessRequestResult:
    """File a prospect's request, or count a repeat of one still pending from that contact."""
    company_text, name_text, parsed = validate_access_request(company_name, contact_name, contact)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _file_access_request(company_text, name_text, contact, parsed, remote_addr)
        except IntegrityError:
            # Two identical requests raced; the loser finds the winner's row next time.
            continue
    raise RuntimeError("access request could not be filed")  # pragma: no cover


def _file_access_request(
    company_text: str, name_text: str, raw_contact: str, parsed: Contact, remote_addr: str | None
) -> AccessRequestResult:
    pending = AccessRequest.objects.select_for_update().filter(status=AccessRequestStatus.PENDING)
    if parsed.email:
        existing = pending.filter(contact_email=parsed.email).first()
    else:
        existing = pending.filter(contact_phone=parsed.phone).first()
    now = timezone.now()
    if existing is not None:
        AccessRequest.objects.filter(pk=existing.pk).update(
            times_requested=F("times_requested") + 1, last_requested_at=now
        )
        existing.refresh_from_db()
        return AccessRequestResult(existing, created=False)
    created = AccessRequest.objects.create(
        company_name=company_text,
        contact_name=name_text,
        contact=raw_contact.strip()[:200],
        contact_email=parsed.email,
        contact_phone=parsed.phone,
        last_requested_at=now,
        remote_addr=remote_addr,
    )
    return AccessRequestResult(created, created=True)


def matching_company(access_request: AccessRequest) -> Company | None:
    """An existing company this request belongs to: same name (legal form ignored)."""
    if access_request.company_id:
        return access_request.company
    return Company.objects.filter(name_key=company_key(access_request.company_name)).first()


@dataclass(frozen=True)
class CompanyDetails:
    """What staff fill in when a request creates a new company."""

    name: str
    legal_name: str = ""
    tax_id: str = ""
    customer_group: CustomerGroup | None = None
    tier: Tier | None = None
    region: Region | None = None
    personal_manager: StaffProfile | None = None


@dataclass(frozen=True)
class IssuedInvite:
    invite: Invite
    token: str
    url: str


def approve_access_request(
    access_request: AccessRequest,
    *,
    by: User,
    invite_email: str,
    company: Company | None = None,
    details: CompanyDetails | None = None,
    role: str = MembershipRole.OWNER,
    base_url: str | None = None,
) -> IssuedInvite:
    """Approve: link to ``company`` (or the one with the same name, or a new one) and invite.

    A second request from the same company never creates a second company.
    """
    with transaction.atomic():
        locked = _lock_pending(access_request)
        email = (invite_email or locked.contact_email).strip().lower()
        if not email:
            raise AccountsError(AccountsErrorCode.EMAIL_REQUIRED)
        target = company or matching_company(locked)
        if target is not None and not companies_for_staff(by).filter(pk=target.pk).exists():
            raise AccountsError(AccountsErrorCode.NOT_YOUR_DEALER)
        if target is None:
            details = details or CompanyDetails(name=locked.company_name)
            target = Company(
                name=details.name or locked.company_name,
                legal_name=details.legal_name,
                tax_id=details.tax_id,
                customer_group=details.customer_group,
                tier=details.tier,
                region=details.region,
                personal_manager=details.personal_manager or getattr(by, "staff_profile", None),
                email=locked.contact_email,
                phone=locked.contact_phone,
            )
            target.full_clean()
            target.save()
            audit.record(
                actor=by,
                instance=target,
                action=AuditAction.CREATE,
                verb="created from access request",
                after=audit.snapshot(target),
                company_id=target.pk,
                source="back office",
            )
            # The ERP is the system of record for counterparties: it learns of the new dealer
            # and answers with its own id through the companies feed.
            outbox.enqueue(
                "company.created", f"company:{target.pk}", company_payload(target), target.pk
            )
        _decide(locked, AccessRequestStatus.APPROVED, by=by, verb="approved", company=target)
        issued = create_invite(
            target,
            email=email,
            role=role,
            invited_by=by,
            access_request=locked,
            full_name=locked.contact_name,
            base_url=base_url,
        )
    access_request.refresh_from_db()
    return issued


def company_payload(company: Company) -> dict[str, Any]:
    """What the ERP receives about a dealer the portal created (``company.created``)."""
    manager = company.personal_manager
    return {
        "id": company.pk,
        "external_id": company.external_id,
        "name": company.name,
        "legal_name": company.legal_name,
        "tax_id": company.tax_id,
        "email": company.email,
        "phone": company.phone,
        "customer_group": company.customer_group.code if company.customer_group else None,
        "tier": company.tier.code if company.tier else None,
        "region": company.region.code if company.region else None,
        "personal_manager": manager.user.email if manager else None,
    }


def _lock_pending(access_request: AccessRequest) -> AccessRequest:
    """The request row, locked; only a pending request can be decided (once)."""
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != AccessRequestStatus.PENDING:
        raise AccountsError(AccountsErrorCode.ALREADY_DECIDED)
    return locked


def _decide(locked: AccessRequest, status: str, *, by: User, verb: str, **changes: Any) -> None:
    """Record the decision (and its other field changes) with an audit entry."""
    before = audit.snapshot(locked)
    for field_name, value in changes.items():
        setattr(locked, field_name, value)
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    audit.record(
        actor=by,
        instance=locked,
        verb=verb,
        before=before,
        after=audit.snapshot(locked),
        company_id=locked.company_id,
        source="back office",
    )


def reject_access_request(access_request: AccessRequest, *, by: User, reason: str) -> None:
    """Reject with a reason the prospect is told (by e-mail when they left one)."""
    reason = reason.strip()
    if not reason:
        raise AccountsError(AccountsErrorCode.REASON_REQUIRED)
    with transaction.atomic():
        locked = _lock_pending(access_request)
        _decide(
            locked, AccessRequestStatus.REJECTED, by=by, verb="rejected", rejection_reason=reason
        )
        if locked.contact_email:
            send_email_on_commit(
                [locked.contact_email],
                f"Your request for access to {settings.DEALERDESK_SUPPLIER_NAME}",
                "accounts/email/access_rejected.txt",
                {"request": locked, "supplier_name": settings.DEALERDESK_SUPPLIER_NAME},
            )
    access_request.refresh_from_db()


# --- invites ------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(token: str, base_url: str | None = None) -> str:
    return f"{(base_url or settings.BASE_URL).rstrip('/')}{reverse('portal:invite', args=[token])}"


def create_invite(
    company: Company,
    *,
    email: str,
    role: str = MembershipRole.BUYER,
    invited_by: User | None,
    access_request: AccessRequest | None = None,
    full_name: str = "",
    base_url: str | None = None,
) -> IssuedInvite:
    """Issue a single-use link; older pending invites of that person to that company lapse."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError(
            {"email": f"Keep the e-mail address under {MAX_EMAIL_LENGTH + 1} characters."}
        )
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from error
    if role not in MembershipRole.values:
        raise ValidationError({"role": "Choose one of the roles."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        lock_company(company.pk)  # one invitation at a time per company: no twin links
        existing_user = User.objects.filter(email__iexact=email).first()
        if existing_user is not None and existing_user.is_staff:
            raise AccountsError(AccountsErrorCode.STAFF_EMAIL)
        if existing_user is not None and not existing_user.is_active:
            raise AccountsError(AccountsErrorCode.ACCOUNT_DISABLED)
        if Membership.objects.filter(
            company=company, user__email__iexact=email, is_active=True
        ).exists():
            raise AccountsError(AccountsErrorCode.ALREADY_MEMBER)
        Invite.objects.filter(
            company=company,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invite = Invite.objects.create(
            company=company,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=now + settings.DEALERDESK_INVITE_TTL,
            access_request=access_request,
        )
        audit.record(
            actor=invited_by,
            instance=invite,
            action=AuditAction.CREATE,
            verb="invited",
            after={"email": email, "role": role},
            company_id=company.pk,
        )
        url = invite_url(token, base_url)
        send_email_on_commit(
            [email],
            f"Your invitation to order from {settings.DEALERDESK_SUPPLIER_NAME}",
            "accounts/email/invite.txt",
            {
                "invite": invite,
                "url": url,
                "full_name": full_name,
                "supplier_name": settings.DEALERDESK_SUPPLIER_NAME,
                "invited_by": invited_by,
            },
        )
    return IssuedInvite(invite=invite, token=token, url=url)


def find_invite(token: str) -> Invite:
    """The pending invite behind a link, or AccountsError saying why it cannot be used."""
    invite = (
        Invite.objects.select_related("company").filter(token_hash=hash_token(token)).first()
        if token
        else None
    )
    if invite is None:
        raise AccountsError(AccountsErrorCode.INVITE_UNKNOWN)
    status = invite.status
    if status == InviteStatus.ACCEPTED:
        raise AccountsError(AccountsErrorCode.INVITE_USED)
    if status == InviteStatus.REVOKED:
        raise AccountsError(AccountsErrorCode.INVITE_REVOKED)
    if status == InviteStatus.EXPIRED:
        raise AccountsError(AccountsErrorCode.INVITE_EXPIRED)
    return invite


def invitee_has_account(invite: Invite) -> bool:
    """True when the invited e-mail already signs in with a password."""
    user = User.objects.filter(email__iexact=invite.email).first()
    return user is not None and user.has_usable_password()


def accept_invite(
    token: str, *, full_name: str = "", password: str | None = None, user: User | None = None
) -> Membership:
    """Use an invite: a new person sets a password; a known one is passed in, signed in.

    The invite is locked while it is used, so a link clicked twice makes one membership.
    """
    with transaction.atomic():
        invite = find_invite(token)
        invite = Invite.objects.select_for_update().select_related("company").get(pk=invite.pk)
        invite = find_invite(token)  # re-read under the lock: it may just have been used
        if user is None:
            user = User.objects.filter(email__iexact=invite.email).first()
            if user is not None and user.has_usable_password():
                raise AccountsError(
                    AccountsErrorCode.ALREADY_MEMBER,
                    "You already have an account: sign in to accept this invitation.",
                )
            if user is not None and (not user.is_active or user.is_staff):
                raise AccountsError(AccountsErrorCode.ACCOUNT_DISABLED)
            if user is None:
                user = User(email=invite.email)
            if full_name.strip():
                user.full_name = collapse_spaces(full_name)[:150]
            user.set_password(password)
            try:
                with transaction.atomic():  # a twin invite accepted at the same moment
                    user.save()
            except IntegrityError as error:
                raise AccountsError(
                    AccountsErrorCode.ALREADY_MEMBER,
                    "You already have an account: sign in to accept this invitation.",
                ) from error
        elif user.email.lower() != invite.email.lower():
            raise AccountsError(
                AccountsErrorCode.INVITE_UNKNOWN,
                f"This invitation was sent to {invite.email}; sign in as that person to use it.",
            )
        membership, _ = Membership.objects.update_or_create(
            user=user, company=invite.company, defaults={"role": invite.role, "is_active": True}
        )
        invite.accepted_at = timezone.now()
        invite.accepted_by = user
        invite.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
        audit.record(
            actor=user,
            instance=invite,
            verb="accepted",
            before={"status": InviteStatus.PENDING},
            after={"status": InviteStatus.ACCEPTED, "membership": membership.pk},
            company_id=invite.company_id,
            source="portal",
        )
    return membership


def revoke_invite(invite: Invite, *, by: User) -> bool:
    """Withdraw a pending invite; False when it was no longer pending (used, expired, …)."""
    with transaction.atomic():
        locked = Invite.objects.select_for_update().get(pk=invite.pk)
        if locked.status != InviteStatus.PENDING:
            invite.refresh_from_db()
            return False
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=by,
            instance=locked,
            verb="revoked",
            before={"status": InviteStatus.PENDING},
            after={"status": InviteStatus.REVOKED},
            company_id=locked.company_id,
        )
    invite.refresh_from_db()
    return True


# --- team ---------------------------------------------------------------------------------


def lock_company(company_id: int) -> None:
    """Inside a transaction: one change at a time to what a company owns as a whole (who is
    owner or invited, its shopping lists, its address book), so its limits hold exactly."""
    Company.objects.select_for_update().filter(pk=company_id).values_list("pk").first()


def _other_active_owners(membership: Membership) -> bool:
    return (
        Membership.objects.filter(
            company_id=membership.company_id, role=MembershipRole.OWNER, is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def change_member_role(membership: Membership, *, role: str, by: User) -> None:
    """Change a colleague's role; the last active owner stays an owner."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": "Choose one of the roles."})
    with transaction.atomic():
        lock_company(membership.company_id)  # owners changing each other take turns
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if (
            locked.role == MembershipRole.OWNER
            and role != MembershipRole.OWNER
            and not _other_active_owners(locked)
        ):
            raise AccountsError(AccountsErrorCode.LAST_OWNER)
        before = audit.snapshot(locked, ["role"])
        locked.role = role
        locked.save(update_fields=["role", "updated_at"])
        audit.record(
            actor=by,
            instance=locked,
            verb="changed role",
            before=before,
            after=audit.snapshot(locked, ["role"]),
            company_id=locked.company_id,
        )
    membership.refresh_from_db()


def set_member_active(membership: Membership, *, active: bool, by: User) -> None:
    """Give or take away a colleague's access to this company (not their whole account)."""
    with transaction.atomic():
        lock_company(membership.company_id)
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not active:
            if locked.user_id == by.pk:
                raise AccountsError(AccountsErrorCode.NOT_YOURSELF)
            if locked.role == MembershipRole.OWNER and not _other_active_owners(locked):
                raise AccountsError(AccountsErrorCode.LAST_OWNER)
        before = audit.snapshot(locked, ["is_active"])
        locked.is_active = active
        locked.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=by,
            instance=locked,
            verb="gave access" if active else "removed access",
            before=before,
            after=audit.snapshot(locked, ["is_active"]),
            company_id=locked.company_id,
        )
    membership.refresh_from_db()
