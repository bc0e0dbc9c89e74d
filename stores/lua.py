"""Lua scripts run by SHA (EVALSHA), loaded on first use on each server."""

import hashlib

import redis


class LuaScript:
    """A Redis Lua script: one round trip, atomic with respect to every other command."""

    def __init__(self, source: str):
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, r: redis.Redis | redis.client.Pipeline, keys: list[str], args: list) -> object:
        try:
            return self._run(r, keys, args)
        except redis.exceptions.ResponseError as error:
            # Redis 6 wraps an error raised inside a script in a generic one (Redis 7
            # keeps its code): a replica's READONLY must still read as the store being
            # unavailable (a 503), not as a bug.
            if "-READONLY " in str(error) and not isinstance(error, redis.exceptions.ReadOnlyError):
                raise redis.exceptions.ReadOnlyError(str(error)) from error
            raise

    def _run(self, r: redis.Redis | redis.client.Pipeline, keys: list[str], args: list) -> object:
        try:
            return r.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            # First use on this server (or after SCRIPT FLUSH / a restart).
            return r.eval(self.source, len(keys), *keys, *args)


def lua_constants(**values: str) -> str:
    """Lua locals holding `values`: how a script uses the key prefixes the Python side spells."""
    return f"local {', '.join(values)} = {', '.join(lua_string(value) for value in values.values())}\n"


def lua_string(value: str) -> str:
    """`value` as a Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
