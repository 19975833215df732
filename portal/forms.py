"""Web forms of the merchant pages. Domain validation lives in the services; the
forms shape input and show the services' field errors next to the right field."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.models import ApplicationDocument, BusinessCategory, Role
from portal.pay_types import pay_type_choices
from portal.staff import needs_second_factor


class SignupForm(forms.Form):
    merchant_name = forms.CharField(label=_("Company or shop name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128, strip=False)
    password_confirm = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, max_length=128, strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("The passwords do not match."))
        return data


class InvitationSignupForm(forms.Form):
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput, max_length=128, strip=False
    )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if needs_second_factor(user):
            raise forms.ValidationError(
                _("Operators sign in at /admin/ with their one-time code."), code="second_factor_required"
            )


class ApplicationForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    legal_name_kana = forms.CharField(label=_("Legal name (katakana)"), max_length=200, required=False)
    corporate_number = forms.CharField(
        label=_("Corporate number (13 digits)"),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    representative_name = forms.CharField(label=_("Representative"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=8, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    business_category = forms.ChoiceField(label=_("Business category"), required=False)
    expected_monthly_volume = forms.IntegerField(
        label=_("Expected monthly volume (JPY)"), required=False, min_value=0, max_value=10**13
    )
    requested_methods = forms.MultipleChoiceField(
        label=_("Payment methods"),
        choices=pay_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_category"].choices = [("", "—")] + [
            (c.code, c.name) for c in BusinessCategory.objects.order_by("name")
        ]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=ApplicationDocument.Kind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG."))


class ApiKeyCreateForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=[("test", _("Test")), ("live", _("Live"))])
    kind = forms.ChoiceField(label=_("Kind"), choices=[("secret", _("Secret")), ("public", _("Public"))])
    label = forms.CharField(label=_("Label"), max_length=100, required=False)


class ApiKeyRollForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0, max_value=168, initial=24, label=_("Keep the old key working for (hours)")
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.DEVELOPER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
