"""The scope catalogue: what each scope lets an app do, in words a person understands."""

from dataclasses import dataclass

from oauth.errors import InvalidScope


@dataclass(frozen=True)
class Scope:
    name: str
    description: str
    changes_data: bool = False  # the consent page points these out
    sensitive: bool = False  # e.g. money: pointed out as well


CATALOGUE: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        # OpenID Connect (Core §5.4): who you are, for signing in to the app with your account here.
        Scope("openid", "Let you sign in to it with your account here"),
        Scope("profile", "See your name"),
        Scope("email", "See your email address and whether it is verified"),
        Scope("read:profile", "See your name and email address"),
        Scope("write:profile", "Change your name", changes_data=True),
        Scope("read:data", "See your items"),
        Scope("write:data", "Create items in your account", changes_data=True),
        Scope("read:billing", "See your plan and invoices", sensitive=True),
        Scope("webhooks", "Receive notifications when your data changes"),
    )
}

ALL_SCOPES: tuple[str, ...] = tuple(CATALOGUE)
# About the person who signed in: a client's own token (client credentials) has no person to be about.
IDENTITY_SCOPES = frozenset({"openid", "profile", "email"})


def parse_scope(value: str | None) -> list[str]:
    """Split a space-delimited scope string (RFC 6749 §3.3), dropping repeats, keeping order."""
    if not value:
        return []
    return list(dict.fromkeys(item for item in value.split(" ") if item))


def format_scope(scopes) -> str:
    """Canonical scope string: catalogue order, space-delimited."""
    wanted = set(scopes)
    return " ".join(name for name in ALL_SCOPES if name in wanted)


def unknown_scopes(scopes) -> list[str]:
    return [name for name in scopes if name not in CATALOGUE]


def describe(scopes) -> list[Scope]:
    """Catalogue entries for `scopes`, in catalogue order."""
    wanted = set(scopes)
    return [scope for name, scope in CATALOGUE.items() if name in wanted]


def requested_within(value: str | None, allowed, *, beyond: str) -> list[str]:
    """The scopes asked for in `value`, in catalogue order, if all are known and in `allowed`; else invalid_scope.

    `beyond` says in words what `allowed` is, for the error description.
    """
    scopes = parse_scope(value)
    if not scopes:
        raise InvalidScope("Missing parameter: scope. Ask for the scopes you need, space-separated.")
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InvalidScope(f"Unknown scope: {' '.join(unknown)}.")
    outside = [name for name in scopes if name not in allowed]
    if outside:
        raise InvalidScope(f"{beyond}: {' '.join(outside)}.")
    return parse_scope(format_scope(scopes))
