"""/login/link/<token>: the sign-in link mailed when an account under attack is signed in to from a new address.

Opening the link shows a button; only pressing it spends the link, so mail
scanners that fetch every link cannot use it up (accounts.sign_in_links).
"""

from flask import Blueprint, render_template, url_for
from flask_wtf import FlaskForm

from accounts import sign_in_links
from portal.auth.limits import client_ip
from portal.auth.signing_in import continue_sign_in
from stores.postgres import get_connection
from stores.redis_client import get_redis

bp = Blueprint("sign_in_link", __name__)


@bp.get("/login/link/<token>")
def confirm(token: str):
    account = sign_in_links.pending(get_connection(), get_redis(), token)
    if account is None:
        return _link_not_live()
    return render_template("auth/sign_in_link.html", account=account, token=token, form=FlaskForm())


@bp.post("/login/link/<token>")
def use(token: str):
    user = sign_in_links.use(get_connection(), get_redis(), token, client_ip())
    if user is None:
        return _link_not_live()
    return continue_sign_in(user, url_for("account.security"))  # or first the second factor, if on


def _link_not_live():
    return render_template("auth/link_not_live.html", purpose="signin"), 404
