"""Operator forms: suspend with a reason, set a rate limit and a token rate, search the apps, filter the audit log."""

from datetime import UTC, date, datetime, time, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

import audit
from portal.admin.app_search import AppQuery
from web.fields import BoundedIntegerField

MAX_REASON_LENGTH = 500
MAX_RATE_LIMIT = 10_000_000
MAX_TOKEN_RATE = 100_000
MAX_ID_DIGITS = 18  # ids are bigint; longer digit strings are no id at all
MAX_PAGE = 100_000


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


def page_field() -> BoundedIntegerField:
    """The page number of a paged list: 1 when absent; anything else but a page number is an error."""
    return BoundedIntegerField(
        "Page",
        max_digits=len(str(MAX_PAGE)),
        validators=[Optional(), NumberRange(min=1, max=MAX_PAGE, message="No such page: pages are numbered from 1.")],
    )


def choice_field(label: str, choices: list[tuple[str, str]], message: str) -> SelectField:
    """A select whose value must be one of `choices`, with `message` (rather than WTForms' words) when not."""
    return SelectField(
        label,
        choices=[SelectChoice(value, text) for value, text in choices],
        default="",
        validate_choice=False,
        validators=[AnyOf([value for value, _ in choices], message=message)],
    )


class AppSearchForm(FlaskForm):
    """The app list's search: a GET form (bookmarkable, changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Length(max=254)], description="Part of a name, client ID or owner email.")
    status = choice_field(
        "Status", [("", "Any"), ("active", "Active"), ("suspended", "Suspended")], "Choose active or suspended."
    )
    verified = choice_field(
        "Verified", [("", "Any"), ("yes", "Verified"), ("no", "Not verified")], "Choose verified or not verified."
    )
    sort = choice_field(
        "Sort by",
        [("", "Newest first"), ("name", "Name"), ("calls", "Calls this hour, most first")],
        "Choose newest, name or calls this hour.",
    )
    page = page_field()

    def app_query(self) -> AppQuery:
        return AppQuery(
            text=(self.q.data or "").strip(),
            status=self.status.data or None,
            verified={"yes": True, "no": False}.get(self.verified.data),
            sort=self.sort.data or "newest",
        )

    def filters(self) -> dict[str, str]:
        """The search and filters as query parameters (empty ones left out), for page links that keep them."""
        return {name: self[name].data for name in ("q", "status", "verified", "sort") if self[name].data}


EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class AuditFilterForm(FlaskForm):
    """A GET form (bookmarkable, changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    action = choice_field("Event", [("", "Any event"), *audit.ACTION_LABELS.items()], "Choose an event from the list.")
    actor = StringField("Done by (email)", validators=[Length(max=254)])
    user = StringField("Person involved (email or ID)", validators=[Length(max=254)])
    client_id = StringField("App (name or client ID)", validators=[Length(max=100)])
    since = DateField("From", validators=[Optional()], description="A day, UTC.")
    until = DateField("To", validators=[Optional()], description="A day, UTC; included.")

    def validate_since(self, field: DateField) -> None:
        _in_range(field)

    def validate_until(self, field: DateField) -> None:
        _in_range(field)
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The last day comes before the first.")

    def user_id_or_email(self) -> int | str | None:
        """The user filter as an id (digits) or an email; None when empty."""
        value = (self.user.data or "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
            return int(value)
        return value

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The days chosen as UTC instants: from the first day's start to the end of the last one."""
        since = datetime.combine(self.since.data, time(), UTC) if self.since.data else None
        until = datetime.combine(self.until.data + timedelta(days=1), time(), UTC) if self.until.data else None
        return since, until

    def filters(self) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), for page and export links that keep them."""
        fields = ("action", "actor", "user", "client_id", "since", "until")
        return {name: self[name].raw_data[0] for name in fields if self[name].raw_data and self[name].raw_data[0]}


def _in_range(field: DateField) -> None:
    if field.data and not EARLIEST_DAY <= field.data <= LATEST_DAY:
        raise ValidationError(f"Choose a day from {EARLIEST_DAY} to {LATEST_DAY}.")
