"""A second step before a destructive action, that works without JavaScript.

The action's URL answers GET with a confirmation page, and POST acts only
when the form carries `confirm=yes`, which only that page's form sends. A
POST without it (an old page, a form posted from a script, a double click)
changes nothing and shows the same confirmation page. Both steps are forms
under the app-wide CSRF check; after acting, the view redirects (POST,
redirect, GET), so a reload never repeats the action.
"""

from flask import request

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def confirmed() -> bool:
    """True for a POST sent from the confirmation page's form."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE
