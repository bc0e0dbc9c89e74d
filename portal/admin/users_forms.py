"""Forms of the admin's user pages: finding users, and one form per action, each asking why."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from accounts.users import ROLES
from portal.admin.forms import MAX_REASON_LENGTH, page_field

MAX_QUERY_LENGTH = 254


class UserSearchForm(FlaskForm):
    """A GET form (bookmarkable, changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Email or name", validators=[Length(max=MAX_QUERY_LENGTH)])
    page = page_field()


class ReasonForm(FlaskForm):
    """An action on one account; the reason goes to the audit log beside it."""

    reason = TextAreaField(
        "Reason",
        filters=[lambda text: text.strip() if text else text],
        validators=[
            DataRequired(message="Say why: it is kept in the audit log."),
            Length(max=MAX_REASON_LENGTH, message=f"At most {MAX_REASON_LENGTH} characters."),
        ],
        render_kw={"maxlength": MAX_REASON_LENGTH, "rows": 2},
    )


class RoleForm(ReasonForm):
    role = SelectField("Role", choices=[SelectChoice(role, role.capitalize()) for role in ROLES])


# The actions of the user page: one form each, the action as the field prefix (so element ids differ).
ACTIONS = ("role", "disable", "enable", "unlock", "two_factor")


def action_forms(current_role: str) -> dict[str, ReasonForm]:
    """The user page's forms, by action; the one a POST submitted reads it (flask-wtf binds request.form)."""
    return {
        action: RoleForm(prefix=action, data={"role": current_role}) if action == "role" else ReasonForm(prefix=action)
        for action in ACTIONS
    }
