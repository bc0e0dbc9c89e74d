"""A folder served over plain HTTP on a loopback port of its own: another origin than the live server's."""

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.apps import LiveServer
from tests.support.stores import free_port


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # pytest shows the test's own output, not an access log


class StaticSite(LiveServer):
    """`with StaticSite(folder) as site:` serves `folder` at `site.url` until the block ends (LiveServer's thread)."""

    def __init__(self, folder: Path):  # LiveServer.__init__ would build an app server: only its thread is reused
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(folder)))
