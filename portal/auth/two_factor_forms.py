"""The second-factor forms: one `code` field, a TOTP code or a recovery code (CSRF-protected by flask-wtf)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from accounts.users import MAX_PASSWORD_LENGTH

# A recovery code with its dashes is 23 characters; room for stray spaces, nothing near a page's worth.
MAX_CODE_LENGTH = 40
CODE_ATTRIBUTES = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


def code_field(label: str = "Code", field_id: str | None = None) -> StringField:
    """A `code` field; `field_id` keeps its label apart from another form's `code` on the same page."""
    return StringField(
        label,
        validators=[InputRequired(message="Enter the code."), Length(max=MAX_CODE_LENGTH)],
        render_kw=CODE_ATTRIBUTES,
        id=field_id,
    )


class CodeForm(FlaskForm):
    """The code that turns two-factor on, finishes a sign-in or gets new recovery codes."""

    code = code_field()


class TurnOffForm(FlaskForm):
    password = PasswordField("Password", validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    code = code_field("Code from your app, or a recovery code", field_id="turn-off-code")
