"""Forms of the back-office pages that are not plain model edits: invites, decisions, people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.errors import MESSAGES, AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import (
    AccessRequest,
    Company,
    CustomerGroup,
    Region,
    StaffProfile,
    Tier,
    User,
)
from dealerdesk.accounts.services import CompanyDetails
from dealerdesk.catalog.models import Category


def add_domain_error(
    form: forms.BaseForm,
    error: AccountsError | ValidationError,
    fields_by_code: Mapping[AccountsErrorCode, str] | None = None,
) -> None:
    """Show what a service refused on the form: on the field it concerns, else on top."""
    if isinstance(error, AccountsError):
        field = (fields_by_code or {}).get(error.code)
        form.add_error(field if field in form.fields else None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, [f"{field}: {message}" for item in errors for message in item])


def check_image_size(upload: Any) -> Any:
    """Refuse an uploaded picture over PRODUCT_IMAGE_MAX_BYTES (Django does not cap files)."""
    limit: int = settings.PRODUCT_IMAGE_MAX_BYTES
    if isinstance(upload, UploadedFile) and upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"The picture is {filesizeformat(upload.size)}; "
            f"pictures up to {filesizeformat(limit)} are accepted."
        )
    return upload


# --- invites and access requests ----------------------------------------------------------


class InvitePersonForm(forms.Form):
    """Whom to invite and as what; ``companies`` adds a choice of company (the Invite page)."""

    company = forms.ModelChoiceField(queryset=Company.objects.none())
    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.BUYER)

    def __init__(self, *args: Any, companies: QuerySet[Company] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        if companies is None:
            del self.fields["company"]
        elif isinstance(company_field, forms.ModelChoiceField):
            company_field.queryset = companies

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


INVITE_ERROR_FIELDS: dict[AccountsErrorCode, str] = {
    AccountsErrorCode.ALREADY_MEMBER: "email",
    AccountsErrorCode.STAFF_EMAIL: "email",
    AccountsErrorCode.EMAIL_REQUIRED: "email",
}


class ApproveAccessRequestForm(forms.Form):
    """Link the request to a dealer (or describe a new one) and say whom to invite as what."""

    company = forms.ModelChoiceField(
        queryset=Company.objects.none(),
        required=False,
        label="Existing company",
        help_text="Leave empty to create a new company from the details below.",
    )
    name = forms.CharField(label="Trading name", max_length=200, required=False)
    legal_name = forms.CharField(max_length=255, required=False)
    tax_id = forms.CharField(label="Tax id", max_length=32, required=False)
    customer_group = forms.ModelChoiceField(CustomerGroup.objects.all(), required=False)
    tier = forms.ModelChoiceField(Tier.objects.all(), required=False)
    region = forms.ModelChoiceField(Region.objects.all(), required=False)
    personal_manager = forms.ModelChoiceField(
        StaffProfile.objects.select_related("user"), required=False
    )
    invite_email = forms.EmailField(label="Send the invitation to", max_length=254, required=False)
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.OWNER)

    def __init__(
        self,
        *args: Any,
        access_request: AccessRequest,
        match: Company | None,
        companies: QuerySet[Company],
        default_manager: StaffProfile | None,
        can_assign_manager: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.access_request = access_request
        self.match = match
        self.match_in_scope = match is not None and companies.filter(pk=match.pk).exists()
        company_field = self.fields["company"]
        if isinstance(company_field, forms.ModelChoiceField):
            company_field.queryset = companies
        if self.match_in_scope and match is not None:
            company_field.initial = match.pk
            if match.memberships.filter(role=MembershipRole.OWNER, is_active=True).exists():
                # Anyone can type an existing dealer's name into the public form: joining a
                # company that has an owner starts as a buyer unless staff decide otherwise.
                self.fields["role"].initial = MembershipRole.BUYER
                self.fields["role"].help_text = (
                    f"{match.name} already has an owner; make this person an owner only if "
                    "you have checked who they are."
                )
        self.fields["name"].initial = access_request.company_name
        self.fields["invite_email"].initial = access_request.contact_email
        if not access_request.contact_email:
            self.fields["invite_email"].help_text = (
                f"The contact left a phone number ({access_request.contact_phone or 'none'}): "
                "ask for an e-mail address and enter it here."
            )
        if can_assign_manager:
            self.fields["personal_manager"].initial = default_manager
            self.fields["personal_manager"].help_text = "Who looks after the new dealer."
        else:
            # A sales manager's new dealers are theirs; the service assigns the approver.
            del self.fields["personal_manager"]

    def clean_invite_email(self) -> str:
        email = str(self.cleaned_data.get("invite_email") or self.access_request.contact_email)
        email = email.strip().lower()
        if not email:
            raise ValidationError(MESSAGES[AccountsErrorCode.EMAIL_REQUIRED])
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        company = cleaned.get("company")
        if company is None and self.match is not None and not self.match_in_scope:
            raise ValidationError(
                "This request matches a dealer another manager looks after. Ask a supplier "
                "admin to approve it."
            )
        if company is None and self.match is None and not str(cleaned.get("name", "")).strip():
            self.add_error("name", "Enter the new company's name, or choose an existing company.")
        return cleaned

    def company_details(self) -> CompanyDetails:
        data = self.cleaned_data
        return CompanyDetails(
            name=str(data.get("name") or self.access_request.company_name).strip(),
            legal_name=str(data.get("legal_name") or "").strip(),
            tax_id=str(data.get("tax_id") or "").strip(),
            customer_group=data.get("customer_group"),
            tier=data.get("tier"),
            region=data.get("region"),
            personal_manager=data.get("personal_manager"),
        )


APPROVE_ERROR_FIELDS: dict[AccountsErrorCode, str] = {
    AccountsErrorCode.EMAIL_REQUIRED: "invite_email",
    AccountsErrorCode.ALREADY_MEMBER: "invite_email",
    AccountsErrorCode.STAFF_EMAIL: "invite_email",
}


class RejectAccessRequestForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text="The prospect reads this (by e-mail when they left an address).",
        error_messages={"required": MESSAGES[AccountsErrorCode.REASON_REQUIRED]},
    )


# --- companies and people -----------------------------------------------------------------


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = (
            "name",
            "legal_name",
            "tax_id",
            "external_id",
            "customer_group",
            "tier",
            "region",
            "stock_display_policy",
            "personal_manager",
            "email",
            "phone",
            "is_blocked",
            "blocked_reason",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("is_blocked") and not str(cleaned.get("blocked_reason", "")).strip():
            self.add_error("blocked_reason", "Say why the dealer is blocked; their people see it.")
        return cleaned


class BackofficeUserCreationForm(AdminUserCreationForm):
    """Adds a person by e-mail (there is no username)."""

    class Meta:
        model = User
        fields = ("email", "full_name", "phone", "is_staff")

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("A person with this e-mail address is already here.")
        return email


class BackofficeUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("A person with this e-mail address is already here.")
        return email


class CategoriesWidget(FilteredSelectMultiple):
    """The admin's two-box selector for a field that is not a model field of the form."""

    template_name = "backoffice/widgets/filtered_select_multiple.html"


class StaffProfileForm(forms.ModelForm):
    """A staff card with the categories the person serves (the M2M lives on Category)."""

    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        required=False,
        widget=CategoriesWidget("categories", is_stacked=False),
        label="Categories served",
    )

    class Meta:
        model = StaffProfile
        fields = ("user", "role", "title", "phone", "photo", "regions", "external_id")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["categories"].initial = list(
                self.instance.categories.values_list("pk", flat=True)
            )
        user_field = self.fields.get("user")
        if isinstance(user_field, forms.ModelChoiceField):
            user_field.queryset = User.objects.filter(is_staff=True)
            user_field.help_text = "A staff account (tick “supplier staff” on the person first)."

    def clean_photo(self) -> Any:
        return check_image_size(self.cleaned_data.get("photo"))


class StaffCardForm(forms.ModelForm):
    """What a sales manager edits on their own card."""

    class Meta:
        model = StaffProfile
        fields = ("title", "phone", "photo")

    def clean_photo(self) -> Any:
        return check_image_size(self.cleaned_data.get("photo"))
