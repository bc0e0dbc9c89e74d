"""Sign-in and sign-up forms (CSRF-protected by flask-wtf)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from accounts import passwords
from accounts.users import MAX_PASSWORD_LENGTH
from portal.auth.password_forms import check_policy


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class SignupForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            InputRequired(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address like name@example.com."),
        ],
    )
    name = StringField("Name", validators=[Length(max=100)])
    password = PasswordField("Password", validators=[InputRequired()], description=passwords.HINT)
    confirm = PasswordField(
        "Repeat password", validators=[InputRequired(), EqualTo("password", message="The passwords differ.")]
    )
    next = HiddenField()

    def validate_password(self, field) -> None:
        check_policy(field, self.email.data or "", self.name.data or "")
