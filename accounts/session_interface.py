"""Flask's session, kept on the server (accounts.sessions): the cookie carries only a random ID.

Views use `flask.session` as before; the sign-in, re-authentication and
sign-out views call `begin`, `reauthenticated` and `end` on it, which
change the session's ID (no fixation: an ID planted before sign-in is
worth nothing after it) or delete the record so that a copy of the cookie
opens nothing.

An empty session is never stored, so a visitor who only reads pages costs
no Redis write. If Redis cannot be reached the session reads as signed out
and `refuse_without_store` turns the request into a 503: a person is never
let in, nor told they are signed out when they are not.
"""

import logging
import time
from datetime import UTC, datetime

import redis
from flask import Flask, Request, Response, current_app, request
from flask import session as current_session
from flask.sessions import SecureCookieSession, SessionInterface

from accounts import sessions
from accounts.sessions import Lifetimes, SessionRecord
from stores import StoreUnavailable
from stores.redis_client import CONNECTION_ERRORS, get_redis

log = logging.getLogger(__name__)

# Before sign-in a session holds only a form's CSRF token and a flash or two.
ANONYMOUS_SECONDS = 2 * 3600
EXTENSION = "session_lifetimes"


class ServerSession(SecureCookieSession):
    """The Flask session of one request, with the stored record it came from (None: not stored yet)."""

    def __init__(self, initial: dict | None = None, record: SessionRecord | None = None, *, unavailable=False):
        super().__init__(initial or {})
        self.record = record
        self.unavailable = unavailable  # Redis could not be read
        self.ended = False
        self.new_id = False  # write under a fresh ID (sign-in, re-authentication)
        self.signing_in = False  # a new sign-in: the absolute lifetime starts again
        self.auth: tuple[int, int, list[str]] | None = None  # (user id, auth time, methods) to record

    @property
    def user_id(self) -> int | None:
        if self.auth:
            return self.auth[0]
        return self.record.user_id if self.record else None

    @property
    def auth_time(self) -> int | None:
        if self.auth:
            return self.auth[1]
        return self.record.auth_time if self.record else None

    @property
    def amr(self) -> list[str]:
        if self.auth:
            return self.auth[2]
        return self.record.amr if self.record else []

    @property
    def digest(self) -> str | None:
        return self.record.digest if self.record and not self.new_id else None

    def begin(self, user_id: int, amr: list[str]) -> None:
        """Sign `user_id` in: nothing from before carries over (above all not the CSRF token), new ID."""
        self.clear()
        self.auth = (user_id, int(time.time()), list(amr))
        self.new_id = True
        self.signing_in = True

    def reauthenticated(self, amr: list[str]) -> None:
        """The signed-in person proved who they are again: the authentication time restarts, new ID."""
        if self.user_id is None:
            raise ValueError("nobody is signed in")
        self.auth = (self.user_id, int(time.time()), list(amr))
        self.new_id = True
        self.modified = True

    def end(self) -> None:
        """Sign out: the record is deleted, so a copy of the cookie opens nothing."""
        self.clear()
        self.ended = True


class ServerSessionInterface(SessionInterface):
    def __init__(self, lifetimes: Lifetimes):
        self.lifetimes = lifetimes

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app), "")
        if not sessions.is_well_formed(session_id):
            return ServerSession()
        try:
            record = sessions.load(get_redis(), sessions.digest(session_id), self.lifetimes)
        except CONNECTION_ERRORS as error:
            log.warning("redis unavailable for sessions: %s", error)
            return ServerSession(unavailable=True)
        return ServerSession(record.data, record) if record else ServerSession()

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except CONNECTION_ERRORS as error:
            # The page was made but its session cannot be kept (a form's CSRF
            # token, a sign-in): answer what a store outage gets instead.
            log.warning("redis unavailable for sessions: %s", error)
            _answer_store_unavailable(app, response, error)

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        r = get_redis()
        if session.ended:
            self._forget(app, r, session, response)
            if session:  # written after sign-out, such as a flash: a fresh anonymous session keeps it
                self._write_new(app, r, session, response)
        elif session.new_id or (session.modified and session.record is None):
            if not session and session.user_id is None:
                return  # nothing worth keeping
            self._write_new(app, r, session, response)
        elif session.modified:
            self._record(session).data = dict(session)
            sessions.save(r, self._record(session), self.lifetimes)
        elif session.record is not None:
            sessions.touch(r, session.record, self.lifetimes)

    def _write_new(self, app: Flask, r: redis.Redis, session: ServerSession, response: Response) -> None:
        """Store the session under a fresh ID (the old record, if any, ends) and send its cookie."""
        if session.record is not None:
            sessions.end(r, session.record.digest, session.record.user_id)
        session_id = sessions.new_session_id()
        now = int(time.time())
        user_id, auth_time, amr = session.auth or (session.user_id, session.auth_time, session.amr)
        # Re-authentication keeps the session's age: the absolute lifetime is counted from sign-in.
        created = now if session.signing_in or session.record is None else session.record.created
        record = SessionRecord(
            digest=sessions.digest(session_id),
            data=dict(session),
            user_id=user_id,
            created=created,
            last_seen=now,
            auth_time=auth_time,
            amr=amr,
            ip=_client_ip(),
            user_agent=_user_agent(),
        )
        sessions.save(r, record, self.lifetimes)
        session.record, session.new_id, session.signing_in, session.auth = record, False, False, None
        expires = datetime.fromtimestamp(created + self.lifetimes.lifetime_seconds, UTC) if user_id else None
        response.set_cookie(
            self.get_cookie_name(app),
            session_id,
            expires=expires,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def _record(self, session: ServerSession) -> SessionRecord:
        record = session.record
        if session.auth:
            record.user_id, record.auth_time, record.amr = session.auth
        return record

    def _forget(self, app: Flask, r: redis.Redis, session: ServerSession, response: Response) -> None:
        if session.record is not None:
            sessions.end(r, session.record.digest, session.record.user_id)
        session.record, session.auth = None, None
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")


def _answer_store_unavailable(app: Flask, response: Response, error: Exception) -> None:
    """Turn `response`, in place, into the app's own answer to a store outage (web.errors renders it)."""
    try:
        raise StoreUnavailable("redis") from error
    except StoreUnavailable as unavailable:
        outage = app.make_response(app.handle_user_exception(unavailable))
    response.status_code = outage.status_code
    response.set_data(outage.get_data())
    # The security headers stay; where the page was going and what it set do not.
    for name in ("Location", "Set-Cookie", "Content-Type", "Retry-After"):
        response.headers.pop(name, None)
    for name in ("Content-Type", "Retry-After"):
        if name in outage.headers:
            response.headers[name] = outage.headers[name]


def refuse_without_store() -> None:
    """Before each page: a session store that could not be read is a 503, never a silent sign-out."""
    if isinstance(current_session, ServerSession) and current_session.unavailable:
        raise StoreUnavailable("redis")


def _client_ip() -> str:
    return request.remote_addr or ""


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")[: sessions.MAX_USER_AGENT]


def init_app(app: Flask) -> None:
    """Keep every page's session in Redis, with the lifetimes the settings give."""
    app.extensions[EXTENSION] = Lifetimes(
        idle_seconds=app.config["SESSION_IDLE_SECONDS"],
        lifetime_seconds=app.config["SESSION_LIFETIME_SECONDS"],
        anonymous_seconds=min(ANONYMOUS_SECONDS, app.config["SESSION_IDLE_SECONDS"]),
    )
    app.session_interface = ServerSessionInterface(app.extensions[EXTENSION])
    app.before_request(refuse_without_store)


def lifetimes() -> Lifetimes:
    """This app's session lifetimes."""
    return current_app.extensions[EXTENSION]
