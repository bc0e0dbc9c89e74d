"""Which webhook URLs and addresses are refused: the pure rules of webhooks.addresses and webhooks.urls."""

import ipaddress

import pytest

from webhooks.addresses import RefusedAddress, checked_address, refusal
from webhooks.urls import InvalidUrl, check_subscription_url, parse

REFUSED_ALWAYS = ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "224.0.0.1", "ff02::1", "0.0.0.0", "::"]
PRIVATE = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "::1", "fd12::1", "169.254.1.1", "fe80::1",
           "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1"]  # fmt: skip
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"]


@pytest.mark.parametrize("address", PRIVATE + REFUSED_ALWAYS)
def test_private_and_special_addresses_are_refused(address):
    assert refusal(ipaddress.ip_address(address), allow_private=False)


@pytest.mark.parametrize("address", PRIVATE)
def test_webhook_allow_private_lets_private_addresses_through(address):
    assert refusal(ipaddress.ip_address(address), allow_private=True) is None


@pytest.mark.parametrize("address", REFUSED_ALWAYS)
def test_metadata_multicast_and_unspecified_are_refused_even_then(address):
    assert refusal(ipaddress.ip_address(address), allow_private=True)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address), allow_private=False) is None


def test_a_name_is_refused_when_it_resolves_to_loopback():
    with pytest.raises(RefusedAddress):
        checked_address("localhost", 443, allow_private=False)
    assert checked_address("localhost", 443, allow_private=True).is_loopback


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:7f00:1]/",
        "https://localhost/hooks",
        "https://0.0.0.0/",
    ],
)
def test_subscription_urls_reaching_private_addresses_are_refused(url):
    with pytest.raises(InvalidUrl):
        check_subscription_url(url, allow_private=False)


def test_a_url_is_taken_apart_for_delivery():
    target = parse("https://Hooks.Example.com:8443/a/b?x=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443, "/a/b?x=1")
    assert parse("http://127.0.0.1/", allow_private=True).port == 80
    with pytest.raises(InvalidUrl):
        parse("http://127.0.0.1/", allow_private=False)
