"""Where to send a person after signing in: only ever a path on this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Return `target` if it is a local path, else `default`.

    Rejects absolute URLs, scheme-relative `//host`, backslash tricks such
    as `/\\evil.com` (browsers read `\\` as `/`) and control characters.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
