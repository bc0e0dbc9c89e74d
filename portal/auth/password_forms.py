"""Forms of the password pages and of sign-up's password (CSRF-protected by flask-wtf).

Every new password goes through one check, `accounts.passwords.why_refused`,
told whose password it is so that their name and email count as guessable.
"""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from accounts import passwords, users

EMAIL_SHAPE = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address like name@example.com.")


def check_policy(field, email: str, name: str) -> None:
    """Raise a field error saying why the policy refuses `field`'s password, if it does."""
    problem = passwords.why_refused(field.data or "", email=email, name=name)
    if problem:
        raise ValidationError(problem)


def new_password_field(label: str = "New password") -> PasswordField:
    return PasswordField(label, validators=[InputRequired()], description=passwords.HINT)


def repeat_field() -> PasswordField:
    """'Repeat new password', a guard against typing errors, checked whenever it is sent (browsers always send it).

    The contract names only `new_password`: a script that posts that alone
    is not refused for lacking a field it was never told about.
    """
    return PasswordField("Repeat new password")


class _NewPassword(FlaskForm):
    """A new password for `account`, typed twice (the second time when the field is sent)."""

    def __init__(self, account: users.User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_new_password(self, field) -> None:
        check_policy(field, self.account["email"], self.account["name"])

    def validate_confirm(self, field) -> None:
        if field.raw_data and field.data != self.new_password.data:
            raise ValidationError("The passwords differ.")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254), EMAIL_SHAPE])
    next = HiddenField()  # the authorization request the person was signing in to, kept through the mail


class ResetPasswordForm(_NewPassword):
    new_password = new_password_field()
    confirm = repeat_field()


class ChangePasswordForm(_NewPassword):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(), Length(max=users.MAX_PASSWORD_LENGTH)]
    )
    new_password = new_password_field()
    confirm = repeat_field()
