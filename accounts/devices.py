"""A device as a person recognises it ("Chrome on Windows"), from its User-Agent header.

User-Agent strings are a thicket of history and imitation; ua-parser keeps
the community's maintained patterns for them, which we would only get
wrong by hand.
"""

from functools import lru_cache

from ua_parser import parse

UNKNOWN = "Unknown device"


@lru_cache(maxsize=1024)
def describe(user_agent: str) -> str:
    """ "Browser on OS" (or whichever half is known); UNKNOWN for an empty or unrecognised header."""
    if not user_agent:
        return UNKNOWN
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    system = result.os.family if result.os and result.os.family != "Other" else ""
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN
