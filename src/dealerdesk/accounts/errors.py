"""Error codes of the accounts domain, each with the message a person reads."""

from __future__ import annotations

from enum import StrEnum


class AccountsErrorCode(StrEnum):
    INVITE_UNKNOWN = "invite_unknown"
    INVITE_EXPIRED = "invite_expired"
    INVITE_USED = "invite_used"
    INVITE_REVOKED = "invite_revoked"
    ALREADY_MEMBER = "already_member"
    ALREADY_DECIDED = "already_decided"
    REASON_REQUIRED = "reason_required"
    EMAIL_REQUIRED = "email_required"
    LAST_OWNER = "last_owner"
    NOT_YOURSELF = "not_yourself"
    STAFF_EMAIL = "staff_email"
    NOT_YOUR_DEALER = "not_your_dealer"
    ACCOUNT_DISABLED = "account_disabled"


MESSAGES: dict[AccountsErrorCode, str] = {
    AccountsErrorCode.INVITE_UNKNOWN: "This invitation link is not valid. Check that you copied "
    "the whole link, or ask for a new invitation.",
    AccountsErrorCode.INVITE_EXPIRED: "This invitation has expired. Ask your manager or your "
    "company's owner to send a new one.",
    AccountsErrorCode.INVITE_USED: "This invitation has already been used. Sign in with your "
    "e-mail and password, or reset your password.",
    AccountsErrorCode.INVITE_REVOKED: "This invitation was withdrawn. Ask for a new one if you "
    "still need access.",
    AccountsErrorCode.ALREADY_MEMBER: "This person already belongs to the company.",
    AccountsErrorCode.ALREADY_DECIDED: "This request has already been decided.",
    AccountsErrorCode.REASON_REQUIRED: "Say why the request is rejected; the prospect reads it.",
    AccountsErrorCode.EMAIL_REQUIRED: "An e-mail address is needed to send the invitation.",
    AccountsErrorCode.LAST_OWNER: "A company needs at least one active owner.",
    AccountsErrorCode.NOT_YOURSELF: "You cannot remove yourself from the company.",
    AccountsErrorCode.STAFF_EMAIL: "This e-mail belongs to a supplier staff account.",
    AccountsErrorCode.ACCOUNT_DISABLED: "This person's account is switched off; the supplier's "
    "staff can switch it on again.",
    AccountsErrorCode.NOT_YOUR_DEALER: "This dealer is looked after by another manager; ask a "
    "supplier admin to do this.",
}


class AccountsError(Exception):
    """A rule of the accounts domain said no; ``str(error)`` is fit to show."""

    def __init__(self, code: AccountsErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(self.message)
