"""Reading SMTP_URL and MAIL_FROM (accounts.mail): what the settings mean, before any mail is sent."""

import pytest

from accounts import mail


def test_smtp_url_with_credentials_and_port():
    transport = mail.SmtpTransport.from_url("smtp://mailer%40corp:p%3Ass@mail.example.com:587", 5.0, "id.example.com")
    assert (transport.host, transport.port, transport.implicit_tls) == ("mail.example.com", 587, False)
    assert (transport.username, transport.password) == ("mailer@corp", "p:ss")
    assert transport.local_hostname == "id.example.com"


@pytest.mark.parametrize(("url", "port", "tls"), [("smtp://relay", 25, False), ("smtps://relay", 465, True)])
def test_smtp_url_default_ports(url, port, tls):
    transport = mail.SmtpTransport.from_url(url, 5.0, "localhost")
    assert (transport.port, transport.implicit_tls, transport.username) == (port, tls, "")


@pytest.mark.parametrize("url", ["http://relay:25", "smtp://", "relay:25"])
def test_an_smtp_url_that_cannot_work_is_refused_at_once(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        mail.SmtpTransport.from_url(url, 5.0, "localhost")


def test_mail_from_defaults_to_no_reply_at_the_issuers_host():
    assert mail.sender({"OAUTH_ISSUER": "https://id.example.com:8443", "MAIL_FROM": None}) == "no-reply@id.example.com"
    assert mail.sender({"OAUTH_ISSUER": "https://id.example.com", "MAIL_FROM": "Acme <a@b.example>"}) == (
        "Acme <a@b.example>"
    )
