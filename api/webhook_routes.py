"""/api/v1/webhooks: an app's subscriptions for the token's user (REST Hooks), under the `webhooks` scope.

On the API's blueprint, so the guard, CORS and no-store headers are the
same as every other call's. Each call acts on the token's (user, app)
pair only: another app's or person's subscription is a 404.
"""

from flask import current_app, jsonify, request

from api.errors import ApiError, InvalidBody, InvalidToken
from api.guard import current_token, require_oauth
from api.routes import bp
from api.validation import ChoiceListField, TextField, read_object
from stores.postgres import get_connection
from webhooks import subscriptions, urls

URL = TextField("url", urls.MAX_URL_LENGTH)
EVENTS = ChoiceListField("events", subscriptions.EVENT_TYPES)


class WebhookNotFound(ApiError):
    status = 404
    error = "not_found"


class TooManyWebhooks(ApiError):
    status = 409
    error = "too_many_webhooks"


@bp.get("/webhooks")
@require_oauth("webhooks")
def list_webhooks():
    token = current_token()
    return jsonify(webhooks=subscriptions.list_for_pair(get_connection(), token.user_id, token.client_id))


@bp.post("/webhooks")
@require_oauth("webhooks")
def create_webhook():
    body = read_object(request, (URL, EVENTS))
    allow_private = current_app.config["WEBHOOK_ALLOW_PRIVATE"]
    try:
        url = urls.check_subscription_url(body["url"], allow_private)
    except urls.InvalidUrl as invalid:
        raise InvalidBody(str(invalid), field="url") from None
    token = current_token()
    key = subscriptions.sealing_key(current_app.config["SECRET_KEY"])
    try:
        subscription, secret = subscriptions.subscribe(
            get_connection(), key, token.user_id, token.client_id, url, body["events"]
        )
    except subscriptions.NoLiveGrant:
        raise InvalidToken("The access this token was issued under has been revoked.") from None
    except subscriptions.TooManySubscriptions:
        raise TooManyWebhooks(
            f"An app may hold at most {subscriptions.MAX_PER_PAIR} webhooks per user; delete one first."
        ) from None
    if secret is None:  # the same URL again: the same subscription, its secret not shown twice
        return jsonify(subscription), 200
    return jsonify({**subscription, "secret": secret}), 201


@bp.delete("/webhooks/<webhook_id>")
@require_oauth("webhooks")
def delete_webhook(webhook_id: str):
    token = current_token()
    if not subscriptions.unsubscribe(get_connection(), token.user_id, token.client_id, webhook_id):
        raise WebhookNotFound("No webhook with this id belongs to this app and user.")
    return "", 204
