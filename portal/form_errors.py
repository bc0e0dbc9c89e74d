"""Which forms on the page being rendered have errors, for the error summary that base.html puts first."""

from collections.abc import Mapping

from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms import Form


def _forms_in(value) -> list[Form]:
    """A form handed to the template, or the forms of a mapping of them (a page of several forms)."""
    if isinstance(value, Form):
        return [value]
    if isinstance(value, Mapping):
        return [form for form in value.values() if isinstance(form, Form)]
    return []


@pass_context
def forms_with_errors(context: Context) -> list[Form]:
    """Every form in the template's context with a field in error, each once, in the order the view passed them.

    Errors are read from the fields rather than `form.errors`, so that a
    message a view adds after validating (a wrong password) is counted too.
    """
    found: list[Form] = []
    for value in context.get_all().values():
        for form in _forms_in(value):
            if any(field.errors for field in form) and all(form is not seen for seen in found):
                found.append(form)
    return found
