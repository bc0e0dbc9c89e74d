"""Host names an app registers: valid in every encoding a redirect goes through, and shown as they really are.

A host is checked with IDNA 2008 and UTS #46 (the `idna` package), the way
browsers read it: no empty labels, each label 1–63 characters once
encoded, 253 in all. A host that IDNA 2008 and Python's own IDNA 2003
codec (which Werkzeug uses to build every Location header) encode
differently is refused too: `straße.example` would be shown as one host
and redirected to another (`strasse.example`).

A non-ASCII host is shown with its ASCII form beside it, so `аpp.example`
(Cyrillic а) is seen to be `xn--pp-6kc.example`, not `app.example`.
"""

import ipaddress

import idna

from oauth.lookalikes import confusable_mix

MAX_LABEL_LENGTH = 63
MAX_HOST_LENGTH = 253


def host_problem(host: str) -> str | None:
    """Why `host` (as urlsplit's `hostname` gives it) cannot be redirected to; None when it can."""
    if _is_ip_address(host):
        return None
    try:
        mapped = idna.uts46_remap(host, std3_rules=False)
    except idna.IDNAError:
        return "has a character no domain name may contain"
    labels = mapped.removesuffix(".").split(".")
    if "" in labels:
        return "has an empty label (two dots in a row, or a dot at the start)"
    encoded = []
    for label in labels:
        problem = _label_problem(label)
        if problem:
            return problem
        encoded.append(idna.alabel(label).decode("ascii"))
    if len(".".join(encoded)) > MAX_HOST_LENGTH:
        return f"is longer than {MAX_HOST_LENGTH} characters once encoded"
    if labels[-1].isascii() and labels[-1].isdigit():
        return "ends in a number but is no IPv4 address"
    if _legacy_encoding(host) != ".".join(encoded) + ("." if mapped.endswith(".") else ""):
        return "means another host in older IDNA encoders (ß, ς or a joiner): register its xn-- form"
    return None


def shown_host(host: str, port: str = "") -> str:
    """`host` (and its `port`, ":8443") as a person should see it: non-ASCII in Unicode, its punycode beside it."""
    if host.isascii():
        return host + port
    try:
        ascii_form = idna.encode(host, uts46=True).decode("ascii")
        unicode_form = idna.decode(ascii_form)
    except idna.IDNAError:
        return host.encode("ascii", "backslashreplace").decode("ascii") + port  # never registered: shown escaped
    # A host whose characters merely map to ASCII (full-width letters) is shown as the host it is.
    if unicode_form == ascii_form:
        return ascii_form + port
    return f"{unicode_form}{port} ({ascii_form}{port})"


def mixed_scripts(host: str) -> list[str]:
    """The look-alike alphabets one label of `host` mixes, such as ["CYRILLIC", "LATIN"]; [] if none."""
    try:
        unicode_form = idna.decode(idna.encode(host, uts46=True))
    except idna.IDNAError:
        return []
    return next((mix for mix in map(confusable_mix, unicode_form.split(".")) if mix), [])


def _label_problem(label: str) -> str | None:
    try:
        encoded = idna.alabel(label)
    except idna.IDNAError as error:
        if str(error) == "Label too long":
            return f"has a label longer than {MAX_LABEL_LENGTH} characters once encoded"
        return f"is not a valid domain name ({error})"
    return None if len(encoded) <= MAX_LABEL_LENGTH else f"has a label longer than {MAX_LABEL_LENGTH} characters"


def _legacy_encoding(host: str) -> str | None:
    """What Python's IDNA 2003 codec (and so Werkzeug's redirects) makes of `host`, lower-cased."""
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
