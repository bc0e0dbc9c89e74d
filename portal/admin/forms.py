"""Operator forms: suspend with a reason, set a rate limit and a token rate, filter the audit log."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from web.fields import BoundedIntegerField

MAX_REASON_LENGTH = 500
MAX_RATE_LIMIT = 10_000_000
MAX_TOKEN_RATE = 100_000
MAX_ID_DIGITS = 18  # ids are bigint; longer digit strings are no id at all


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            InputRequired(message="Say why, so that the developer knows what to fix."),
            Length(max=MAX_REASON_LENGTH, message=f"At most {MAX_REASON_LENGTH} characters."),
        ],
        description="The developer sees this on their app page.",
        render_kw={"maxlength": MAX_REASON_LENGTH},
    )


class RateLimitForm(FlaskForm):
    rate_limit = BoundedIntegerField(
        "API calls per hour",
        max_digits=len(str(MAX_RATE_LIMIT)),
        validators=[
            InputRequired(message="Enter a whole number of calls per hour."),
            NumberRange(min=1, max=MAX_RATE_LIMIT, message=f"Between 1 and {MAX_RATE_LIMIT:,} calls per hour."),
        ],
        render_kw={"min": 1, "max": MAX_RATE_LIMIT},
    )


class TokenRateForm(FlaskForm):
    token_rate = BoundedIntegerField(
        "Tokens per second",
        max_digits=len(str(MAX_TOKEN_RATE)),
        validators=[
            InputRequired(message="Enter a whole number of tokens per second."),
            NumberRange(min=1, max=MAX_TOKEN_RATE, message=f"Between 1 and {MAX_TOKEN_RATE:,} tokens per second."),
        ],
        description="From the token endpoint, all grants together; twice as many at once.",
        render_kw={"min": 1, "max": MAX_TOKEN_RATE},
    )


class AuditFilterForm(FlaskForm):
    """A GET form (bookmarkable, changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    client_id = StringField("App (client ID)", validators=[Length(max=100)])
    user = StringField("User (email or id)", validators=[Length(max=254)])

    def user_id_or_email(self) -> int | str | None:
        """The user filter as an id (digits) or an email; None when empty."""
        value = (self.user.data or "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
            return int(value)
        return value
