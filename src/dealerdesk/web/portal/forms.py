"""Forms of the dealer portal. Domain rules live in the services; forms shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.services import validate_access_request


class AccessRequestForm(forms.Form):
    """The three-field "ask for access" form on the public start page."""

    company = forms.CharField(label="Company", max_length=200, required=False)
    name = forms.CharField(label="Your name", max_length=150, required=False)
    contact = forms.CharField(
        label="E-mail or phone",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            validate_access_request(
                data.get("company", ""), data.get("name", ""), data.get("contact", "")
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.errors:  # already told (e.g. too long); one message a field
                    continue
                for message in messages:
                    self.add_error(field, message)
        return data


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": "The e-mail or the password is not right. After several failed "
        "attempts the account is locked for a while.",
        "inactive": "This account is switched off. Ask your company's owner or your manager.",
    }


class SetPasswordForInviteForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            from dealerdesk.accounts.models import User

            probe = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ExistingAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(label="Role", choices=MembershipRole.choices, initial="buyer")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=MembershipRole.choices)
