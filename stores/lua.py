"""Lua scripts kept as `.lua` files, run by SHA (EVALSHA), loaded on first use on each server.

A script lives in its own file beside the module that calls it, and names
its KEYS and ARGV in order (space-separated, as a namedtuple's fields); a
call passes them by name. An ARGV name
written `*name` comes last and takes a list: its items end ARGV. Functions that
several scripts share live in a library file of their own (named after the
module that owns their keys), which a script declares: its source is the
libraries followed by the script, read once when the module is imported.
Each file's head comment documents its KEYS, ARGV and reply; the `reply`
function given here turns that reply into Python values.
"""

import hashlib
from collections.abc import Callable
from pathlib import Path

import redis


def _as_is(reply: object) -> object:
    return reply


class LuaScript:
    """A Redis Lua script: one round trip, atomic with respect to every other command."""

    def __init__(
        self,
        path: Path,
        *,
        keys: str = "",
        args: str = "",
        libraries: tuple[Path, ...] = (),
        reply: Callable[[object], object] = _as_is,
    ):
        self.source = "".join(library.read_text() for library in libraries) + path.read_text()
        self.sha = hashlib.sha1(self.source.encode()).hexdigest()
        self.names = f"{path.name}: keys {keys!r}, args {args!r}"
        self.keys = keys.split()
        names = args.split()
        self.rest = names.pop()[1:] if names and names[-1].startswith("*") else None
        self.args = names
        self.parse = reply

    def __call__(self, r: redis.Redis, **named) -> object:
        """Run the script with its KEYS and ARGV passed by name; the parsed reply."""
        return self.parse(self.run(r, *self.arguments(named)))

    def queue(self, pipe: redis.client.Pipeline, **named) -> None:
        """Queue one run in a pipeline (whose server has the script loaded); parse its reply with `parse`."""
        keys, args = self.arguments(named)
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    def arguments(self, named: dict) -> tuple[list, list]:
        """KEYS and ARGV in the script's order; a missing or unknown name is a TypeError."""
        if len(named) != len(self.keys) + len(self.args) + (self.rest is not None):
            raise TypeError(f"{self.names}: got {sorted(named)}")
        try:
            args = [named[name] for name in self.args]
            if self.rest:
                args.extend(named[self.rest])
            return [named[name] for name in self.keys], args
        except KeyError as missing:
            raise TypeError(f"{self.names}: {missing} missing") from None

    def run(self, r: redis.Redis, keys: list, args: list) -> object:
        try:
            return self._run(r, keys, args)
        except redis.exceptions.ResponseError as error:
            # Redis 6 wraps an error raised inside a script in a generic one (Redis 7
            # keeps its code): a replica's READONLY must still read as the store being
            # unavailable (a 503), not as a bug.
            if "-READONLY " in str(error) and not isinstance(error, redis.exceptions.ReadOnlyError):
                raise redis.exceptions.ReadOnlyError(str(error)) from error
            raise

    def _run(self, r: redis.Redis, keys: list, args: list) -> object:
        try:
            return r.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            # First use on this server (or after SCRIPT FLUSH / a restart).
            return r.eval(self.source, len(keys), *keys, *args)


def lua_string(value: str) -> str:
    """`value` as a Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
