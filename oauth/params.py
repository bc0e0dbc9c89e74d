"""Request parameters as RFC 6749 §3.1 and §3.2 want them read."""

from collections.abc import Mapping

from oauth.errors import InvalidRequest

FORM_ENCODING = "application/x-www-form-urlencoded"


def single_valued(params: Mapping[str, list[str]]) -> dict[str, str]:
    """One value per name; a repeated parameter is an invalid_request.

    RFC 6749 §3.1: parameters sent without a value are treated as omitted,
    and no parameter may be included more than once.
    """
    present = {name: [value for value in values if value] for name, values in params.items()}
    repeated = sorted(name for name, values in present.items() if len(values) > 1)
    if repeated:
        raise InvalidRequest(f"Repeated parameter: {', '.join(repeated)}.")
    return {name: values[0] for name, values in present.items() if values}


def form_params(mimetype: str, params: Mapping[str, list[str]]) -> dict[str, str]:
    """The body of a POST to the token, revocation or introspection endpoint (form encoding only)."""
    if mimetype != FORM_ENCODING:
        raise InvalidRequest(f"Send the parameters form-encoded ({FORM_ENCODING}).")
    return single_valued(params)


def require(params: Mapping[str, str], name: str) -> str:
    """The value of a required parameter, or invalid_request naming it."""
    value = params.get(name)
    if not value:
        raise InvalidRequest(f"Missing parameter: {name}.")
    return value
