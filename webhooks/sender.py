"""One delivery over HTTP: a POST to the address that was checked, within a deadline, reading little.

The host is resolved and checked here (webhooks.addresses), and the socket
connects to that address, never to the name again: the Host header and the
TLS server name (SNI, certificate check) still carry the name. Redirects
are not followed (a 3xx is a failed attempt like any non-2xx). The whole
exchange, connecting to the last byte read, has `timeout` seconds; at most
MAX_RESPONSE_BYTES of the answer are read, since only its status matters.
"""

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass

from webhooks.addresses import Address, RefusedAddress, checked_address
from webhooks.urls import InvalidUrl, Target, parse

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Platform-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: the status code, or None and what went wrong before one arrived."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: Address, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = str(address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: Address, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.address = str(address)

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float) -> Answer:
    """POST `body` to `url`; the Answer, never an exception for anything the receiver or network does."""
    try:
        target = parse(url, allow_private)
        address = checked_address(target.host, target.port, allow_private)
    except (InvalidUrl, RefusedAddress) as refused:
        return Answer(None, f"refused: {refused}")
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = kind(target, address, timeout)
    deadline = threading.Timer(timeout, _cut, (conn,))
    deadline.start()
    try:
        conn.request("POST", target.path, body, {"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        _read_some(response)
        return Answer(response.status)
    except (OSError, http.client.HTTPException) as error:
        cut = not deadline.is_alive()
        return Answer(None, "timed out" if cut or isinstance(error, TimeoutError) else error.__class__.__name__)
    finally:
        deadline.cancel()
        conn.close()


def _read_some(response: http.client.HTTPResponse) -> None:
    # Read (at most MAX_RESPONSE_BYTES) so the receiver sees its answer taken; the status is what counts.
    try:
        response.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        pass


def _cut(conn: http.client.HTTPConnection) -> None:
    # The per-read socket timeout alone would let a receiver that trickles a
    # byte at a time hold a worker for ever; this ends the exchange at the deadline.
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
