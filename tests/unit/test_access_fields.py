"""An access token's fields in one order, written by Python and read by the Lua scripts."""

import re
from pathlib import Path

from oauth import token_store


def test_the_lua_scripts_read_the_fields_in_the_order_python_writes_them():
    library = (Path(token_store.__file__).with_name("token_store.lua")).read_text()
    listed = re.search(r"local ACCESS_FIELDS = \{([^}]*)\}", library).group(1)
    assert tuple(re.findall(r"'([a-z_]+)'", listed)) == token_store.ACCESS_FIELDS


def test_an_access_tokens_string_keeps_empty_fields_in_their_places():
    text = token_store.access_text({"client_id": "pa_client_x", "scope": "read:data", "iat": 1, "exp": 2})
    assert text.split("\n") == ["pa_client_x", "", "read:data", "", "", "1", "2", "", ""]
