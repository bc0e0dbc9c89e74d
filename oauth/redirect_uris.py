"""Is a requested redirect URI one the app registered?

Exact string comparison (RFC 9700 §4.1.3: no prefix, case or trailing-slash
leniency), with the one exception RFC 8252 §7.3 requires: a native app
listening on the loopback interface picks a free port at run time, so for
public apps an `http` redirect to the loopback IP literals 127.0.0.1 and
[::1] matches a registered one whatever its port, and only its port.
(`localhost` gets no such leniency: it may resolve elsewhere, §8.3.)
"""

from urllib.parse import SplitResult, urlencode, urlsplit

LOOPBACK_IP_LITERALS = ("127.0.0.1", "[::1]")


def is_registered(uri: str, registered: list[str], client_type: str) -> bool:
    if uri in registered:
        return True
    if client_type != "public":
        return False
    requested = _without_loopback_port(uri)
    return requested is not None and any(_without_loopback_port(known) == requested for known in registered)


def with_query(uri: str, params: dict[str, str | None]) -> str:
    """`uri` with `params` (those not None) added to its query, after any it has."""
    query = urlencode({name: value for name, value in params.items() if value is not None})
    if not query:
        return uri
    separator = "" if uri.endswith(("?", "&")) else ("&" if "?" in uri else "?")
    return uri + separator + query


def parsed_url(url: str) -> SplitResult | None:
    """`url` split into its parts, or None when it cannot be: an unclosed IPv6 bracket or a bad port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def _without_loopback_port(uri: str) -> str | None:
    """The URI with its port removed, if it is http on a loopback IP literal; else None."""
    parts = parsed_url(uri)
    if parts is None:
        return None
    host = host_of(parts.netloc)
    if parts.scheme != "http" or host not in LOOPBACK_IP_LITERALS or "@" in parts.netloc:
        return None
    return parts._replace(netloc=host).geturl()


def host_of(netloc: str) -> str:
    """The host of a URL's netloc, lower-cased, without user info or port; an IPv6 literal keeps its brackets.

    Anything after a bracketed literal but a port stays part of the host, so
    "[::1].evil.example" is never read as "[::1]".
    """
    host = netloc.rsplit("@", 1)[-1].lower()
    if host.startswith("["):
        literal, bracket, after = host.partition("]")
        # Nothing after the literal, or a port (possibly empty, as "host:" allows for any host).
        if bracket and after[:1] in ("", ":") and (after[1:] == "" or after[1:].isdigit()):
            return literal + bracket
        return host
    return host.split(":", 1)[0]
