"""Values the Python side hands to Lua source arrive in the script exactly as written."""

import pytest

from stores.lua import LuaScript, lua_constants


@pytest.mark.parametrize("value", ["client:", "it's", 'say "hi"', "back\\slash", "two\nlines", "é ü"])
def test_a_constant_reaches_the_script_unchanged(r, value):
    script = LuaScript(lua_constants(VALUE=value) + "return VALUE")
    assert script(r, [], []) == value
