"""Registering and editing an app (flask-wtf, CSRF-protected).

The rules themselves live in oauth.client_rules, shared with the CLI; these
forms only collect the fields and put each message next to its field.
"""

import secrets

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from oauth import client_rules
from oauth.clients import Client
from oauth.scopes import CATALOGUE
from webhooks import urls

# Choices as {value: label}, the shape WTForms takes without deprecation warnings.
CLIENT_TYPE_CHOICES = {
    "confidential": "Confidential: a server-side app that can keep a secret",
    "public": "Public: a single-page, mobile or command-line app, which cannot keep a secret (uses PKCE)",
}
GRANT_TYPE_CHOICES = {
    "authorization_code": "People sign in here and allow your app access",
    "refresh_token": "Stay connected without asking people again",
    "client_credentials": "Server to server, acting for your app itself (confidential apps only)",
}
ID_TOKEN_SIGNING_ALG_CHOICES = {
    "RS256": "RS256 (RSA): what every OpenID Connect library expects",
    "ES256": "ES256 (ECDSA P-256): shorter tokens, for libraries that support it",
}
SCOPE_CHOICES = {scope.name: scope.description for scope in CATALOGUE.values()}


class _RulesDecide:
    """Mixin for choice fields: unknown values are reported by client_rules, not by WTForms."""

    def pre_validate(self, form) -> None:
        pass


class CheckboxesField(_RulesDecide, SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChoiceRadioField(_RulesDecide, RadioField):
    pass


class ChoiceSelectField(_RulesDecide, SelectField):
    pass


class AppSettingsForm(FlaskForm):
    """The editable settings of an app; the type is fixed once it is registered."""

    name = StringField("Name", render_kw={"maxlength": client_rules.MAX_NAME_LENGTH})
    description = TextAreaField(
        "Description",
        description="Shown to people when your app asks for access.",
        render_kw={"maxlength": client_rules.MAX_DESCRIPTION_LENGTH},
    )
    homepage_url = URLField("Homepage URL", description="Optional, such as https://example.com.")
    redirect_uris = TextAreaField(
        "Redirect URIs",
        description=(
            f"One per line, at most {client_rules.MAX_REDIRECT_URIS}, matched exactly: https, "
            "http only on localhost, 127.0.0.1 or [::1], or a private-use scheme such as "
            "com.example.app:/callback for public apps."
        ),
    )
    post_logout_redirect_uris = TextAreaField(
        "Post-logout redirect URIs",
        description=(
            "Optional. Where people may be sent back after your app signs them out here (OpenID Connect "
            "RP-initiated logout, post_logout_redirect_uri): one per line, matched exactly, the same rules "
            "as redirect URIs."
        ),
    )
    scopes = CheckboxesField("Scopes", choices=SCOPE_CHOICES)
    grant_types = CheckboxesField("Grant types", choices=GRANT_TYPE_CHOICES)
    id_token_signed_response_alg = ChoiceSelectField(
        "ID token signing algorithm",
        choices=ID_TOKEN_SIGNING_ALG_CHOICES,
        default=client_rules.DEFAULT_ID_TOKEN_SIGNING_ALG,
        description="Only for sign-in with OpenID Connect (scope openid); the key is published in the JWKS.",
    )

    stored_name: str | None = None  # the app's name as registered; None for a new app

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.description = client_rules.name_rule(_platform_name())

    def client_type_value(self) -> str:
        return self.fixed_client_type

    def redirect_uri_list(self) -> list[str]:
        return _lines(self.redirect_uris.data)

    def settings(self) -> dict:
        """The editable settings as clients.update_client / create_client take them."""
        return {
            "name": (self.name.data or "").strip(),
            "description": (self.description.data or "").strip(),
            "homepage_url": (self.homepage_url.data or "").strip(),
            "redirect_uris": self.redirect_uri_list(),
            "post_logout_redirect_uris": _lines(self.post_logout_redirect_uris.data),
            "scopes": list(self.scopes.data or []),
            "grant_types": list(self.grant_types.data or []),
            "id_token_signed_response_alg": self.id_token_signed_response_alg.data or "",
        }

    def changes_to(self, client: Client) -> dict:
        """The settings that differ from what `client` has stored."""
        return {name: value for name, value in self.settings().items() if client[name] != value}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # A name the operator gave (the CLI may use the platform's) stays valid while unchanged.
        settings = self.settings()
        platform_name = _platform_name() if settings["name"] != self.stored_name else None
        problems = client_rules.registration_problems(
            client_type=self.client_type_value(), platform_name=platform_name, **settings
        )
        for field_name, messages in problems.items():
            self[field_name].errors.extend(messages)
        return valid and not problems

    @classmethod
    def for_client(cls, client: Client, **kwargs) -> "AppSettingsForm":
        """The form bound to a stored app: prefilled on GET, the posted data on POST."""
        form = cls(
            data={
                "name": client["name"],
                "description": client["description"],
                "homepage_url": client["homepage_url"],
                "redirect_uris": "\n".join(client["redirect_uris"]),
                "post_logout_redirect_uris": "\n".join(client["post_logout_redirect_uris"]),
                "scopes": client["scopes"],
                "grant_types": client["grant_types"],
                "id_token_signed_response_alg": client["id_token_signed_response_alg"],
            },
            **kwargs,
        )
        form.fixed_client_type = client["client_type"]
        form.stored_name = client["name"]
        return form


class RegisterAppForm(AppSettingsForm):
    client_type = ChoiceRadioField("Type", choices=CLIENT_TYPE_CHOICES, default="confidential")
    submission_id = HiddenField()  # see portal/developer/submissions.py

    def client_type_value(self) -> str:
        return self.client_type.data or ""

    @classmethod
    def blank(cls) -> "RegisterAppForm":
        """A new registration, with the grant types most apps want ticked."""
        return cls(
            data={"grant_types": list(client_rules.DEFAULT_GRANT_TYPES), "submission_id": secrets.token_urlsafe(16)}
        )


def _lines(text: str | None) -> list[str]:
    """The non-blank lines of a textarea, trimmed: one URI each."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _platform_name() -> str:
    return current_app.config["PLATFORM_NAME"]


class DeleteAppForm(FlaskForm):
    """Deleting is for good: the developer types the app's name to confirm."""

    confirm_name = StringField("Type the app's name to confirm")

    def __init__(self, app_name: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.app_name = app_name

    def validate_confirm_name(self, field) -> None:
        if (field.data or "").strip() != self.app_name:
            raise ValidationError("Type the app's name exactly as shown to confirm.")


class RevocationNoticeForm(FlaskForm):
    """Where the app hears that a person revoked it (webhooks.revocation_notices); empty stops the notices."""

    notice_url = URLField(
        "Revocation notice URL",
        description=(
            "Optional. An https URL of your server that receives authorization.revoked, signed, whenever "
            "a person revokes your app's access."
        ),
    )

    def url(self) -> str:
        return (self.notice_url.data or "").strip()

    def validate_notice_url(self, field) -> None:
        if not self.url():
            return
        try:
            urls.check_subscription_url(self.url(), current_app.config["WEBHOOK_ALLOW_PRIVATE"])
        except urls.InvalidUrl as refused:
            raise ValidationError(str(refused).replace("url ", "The URL ", 1)) from None
