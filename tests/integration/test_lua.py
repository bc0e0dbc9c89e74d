"""Scripts from files: KEYS and ARGV passed by name reach the script in its declared order."""

import pytest

from stores.lua import LuaScript


@pytest.fixture
def echo(tmp_path):
    library = tmp_path / "library.lua"
    library.write_text("local function pair(a, b) return {a, b} end\n")
    script = tmp_path / "echo.lua"
    script.write_text(
        "local reply = pair(KEYS[1], ARGV[1])\nfor i = 2, #ARGV do reply[#reply + 1] = ARGV[i] end\nreturn reply"
    )
    return LuaScript(script, keys="key", args="value *rest", libraries=(library,))


@pytest.mark.parametrize("value", ["client:", "it's", 'say "hi"', "back\\slash", "two\nlines", "é ü"])
def test_a_value_reaches_the_script_unchanged(r, echo, value):
    assert echo(r, key="k", value=value, rest=[]) == ["k", value]


def test_the_listed_argument_ends_argv(r, echo):
    assert echo(r, key="k", value="v", rest=["a", "b"]) == ["k", "v", "a", "b"]


@pytest.mark.parametrize(
    "named", [{"key": "k"}, {"key": "k", "value": "v", "rest": [], "extra": 1}, {"kee": "k", "value": "v", "rest": []}]
)
def test_a_missing_or_unknown_name_is_refused_before_redis_is_asked(echo, named):
    with pytest.raises(TypeError):
        echo(None, **named)
