"""Which hosts a webhook may reach: public unicast addresses only, unless WEBHOOK_ALLOW_PRIVATE=1.

A webhook URL is chosen by an app, so without this check the platform would
POST wherever an app points it: its own loopback services, the private
network, a cloud's metadata service (169.254.169.254, fd00:ec2::254). The
host is resolved when the subscription is made (to refuse the obvious at
once) and again at every delivery, where the connection then goes to the
very address that was checked, so a DNS answer that changes in between
(rebinding) gains nothing. Every address a name resolves to must pass.
WEBHOOK_ALLOW_PRIVATE=1 lets loopback, private and link-local addresses
through, for development and tests; metadata, multicast and unspecified
addresses never pass.
"""

import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))
# IPv6 forms that carry an IPv4 address which some stacks will reach.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(Exception):
    """The host is, or resolves to, an address webhooks may not reach."""


class Unresolvable(RefusedAddress):
    """The host resolves to no address at all."""


def refusal(address: Address, allow_private: bool) -> str | None:
    """Why a webhook may not connect to `address`, or None if it may."""
    address = _embedded_ipv4(address)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_multicast or address.is_unspecified:
        return "not a unicast address"
    if address.is_global:
        return None
    if allow_private and (address.is_private or address.is_loopback or address.is_link_local):
        return None
    return "not a public address"


def _embedded_ipv4(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def ip_literal(host: str) -> Address | None:
    """The address if `host` is written as one (brackets of an IPv6 literal removed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to for TCP; Unresolvable if it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise Unresolvable(f"the host does not resolve ({error.__class__.__name__})") from None
    # An IPv6 scope ("fe80::1%eth0") is not part of the address checked.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].partition("%")[0]) for info in infos))


def checked_address(host: str, port: int, allow_private: bool) -> Address:
    """The address to connect to for `host`: resolved now, every answer checked; RefusedAddress if any fails."""
    addresses = [literal] if (literal := ip_literal(host)) else resolve(host, port)
    for address in addresses:
        reason = refusal(address, allow_private)
        if reason:
            raise RefusedAddress(f"the host resolves to {reason}")
    return addresses[0]
