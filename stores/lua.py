"""Lua scripts kept as `.lua` files, run by SHA (EVALSHA), loaded on first use on each server.

A script lives in its own file beside the module that calls it, and names
its KEYS and ARGV in order (space-separated, as a namedtuple's fields); a
call passes them by name, but for ARGV given once as `constants`. An ARGV name
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
        constants: dict | None = None,
    ):
        self.source = "".join(library.read_text() for library in libraries) + path.read_text()
        self.sha = hashlib.sha1(self.source.encode()).hexdigest()
        self.names = f"{path.name}: keys {keys!r}, args {args!r}"
        key_names, names = keys.split(), args.split()
        self.rest = names.pop()[1:] if names and names[-1].startswith("*") else None
        # The EVALSHA arguments as a template: the SHA, the key count, KEYS, then
        # ARGV, with the ARGV named in `constants` (the same on every call) filled
        # in once, here; `slots` says where each name a call passes goes.
        constants = constants or {}
        self.template = [self.sha, len(key_names), *key_names, *(constants.get(name) for name in names)]
        positions = enumerate(key_names + names, start=2)
        self.slots = [(position, name) for position, name in positions if name not in constants]
        self.parse = reply

    def __call__(self, r: redis.Redis, **named) -> object:
        """Run the script with its KEYS and ARGV passed by name; the parsed reply."""
        command = self.arguments(named)
        try:
            try:
                reply = r.evalsha(*command)
            except redis.exceptions.NoScriptError:
                # First use on this server (or after SCRIPT FLUSH / a restart).
                reply = r.eval(self.source, *command[1:])
        except redis.exceptions.ResponseError as error:
            # Redis 6 wraps an error raised inside a script in a generic one (Redis 7
            # keeps its code): a replica's READONLY must still read as the store being
            # unavailable (a 503), not as a bug.
            if "-READONLY " in str(error) and not isinstance(error, redis.exceptions.ReadOnlyError):
                raise redis.exceptions.ReadOnlyError(str(error)) from error
            raise
        return self.parse(reply)

    def queue(self, pipe: redis.client.Pipeline, **named) -> None:
        """Queue one run in a pipeline (whose server has the script loaded); parse its reply with `parse`."""
        # execute_command: redis-py's cluster pipeline refuses its own evalsha(), though it routes the command.
        pipe.execute_command("EVALSHA", *self.arguments(named))

    def arguments(self, named: dict) -> list:
        """EVALSHA's arguments: the SHA, the key count, KEYS and ARGV; a missing or unknown name is a TypeError."""
        if len(named) != len(self.slots) + (self.rest is not None):
            raise TypeError(f"{self.names}: got {sorted(named)}")
        command = self.template.copy()
        try:
            for position, name in self.slots:
                command[position] = named[name]
            if self.rest:
                command.extend(named[self.rest])
        except KeyError as missing:
            raise TypeError(f"{self.names}: {missing} missing") from None
        return command


def lua_string(value: str) -> str:
    """`value` as a Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
