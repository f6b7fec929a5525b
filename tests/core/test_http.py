"""The one outbound HTTP helper: address checks at connect time, redirects, limits."""

from __future__ import annotations

import pytest

from apps.core import http


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("fe80::1", "link-local (cloud metadata)"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, not a bind
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fd00::1", "private"),
    ],
)
def test_blocked_addresses(address, reason):
    assert http.blocked_reason(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert http.blocked_reason(address) is None


def test_allowlist_lets_a_private_range_through():
    assert http.blocked_reason("10.1.2.3", ["10.0.0.0/8"]) is None
    assert http.blocked_reason("10.1.2.3", ["192.168.0.0/16"]) == "private"


def test_loopback_is_refused_before_connecting(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = []
    with pytest.raises(http.OutboundBlocked, match=r"127\.0\.0\.1, a loopback address"):
        http.request("GET", f"{http_server.url}/echo?key=refused")
    assert http_server.hits("refused") == 0


def test_a_host_name_is_checked_after_resolution(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = []
    port = http_server.url.rsplit(":", 1)[1]
    with pytest.raises(http.OutboundBlocked, match="localhost resolves to"):
        http.request("GET", f"http://localhost:{port}/echo")


def test_metadata_host_names_are_refused(settings):
    settings.OUTBOUND_ALLOWLIST = ["0.0.0.0/0"]
    with pytest.raises(http.OutboundBlocked, match="metadata"):
        http.request("GET", "http://metadata.google.internal/computeMetadata/v1/")


def test_allow_listed_loopback_works(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    response = http.request("POST", f"{http_server.url}/echo?key=allowed", json={"a": 1})
    assert response.status_code == 200
    assert response.json()["json"] == {"a": 1}


def test_request_urls_stay_out_of_the_log(settings, http_server, caplog):
    """httpx logs each request's full URL at INFO; a query string may carry a key."""
    import logging

    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    with caplog.at_level(logging.INFO):
        assert http.request("GET", f"{http_server.url}/echo?api_key=s3cret-in-url").status_code == 200
    assert "s3cret-in-url" not in caplog.text


def test_every_redirect_hop_is_checked(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    port = http_server.url.rsplit(":", 1)[1]
    target = f"http://127.0.0.2:{port}/echo?key=redirected"
    with pytest.raises(http.OutboundBlocked, match=r"127\.0\.0\.2"):
        http.request("GET", f"{http_server.url}/redirect?to={target}")
    assert http_server.hits("redirected") == 0


def test_an_allowed_redirect_is_followed(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    response = http.request("GET", f"{http_server.url}/redirect?to={http_server.url}/echo?key=hop")
    assert response.status_code == 200 and response.json()["path"] == "/echo"


def test_response_size_is_limited(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    with pytest.raises(http.ResponseTooLarge):
        http.request("GET", f"{http_server.url}/big?bytes=5000", max_bytes=1000)
    assert len(http.request("GET", f"{http_server.url}/big?bytes=500", max_bytes=1000).body) == 500


def test_timeouts_apply(settings, http_server):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    with pytest.raises(http.TransportError):
        http.request("GET", f"{http_server.url}/slow?seconds=2", timeout=0.3)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x"])
def test_only_http_and_https(url):
    with pytest.raises(http.OutboundBlocked, match="only http and https"):
        http.request("GET", url)


def test_nothing_else_imports_httpx():
    from tests.conftest import BASE_DIR

    offenders = [
        str(path)
        for path in (BASE_DIR / "apps").rglob("*.py")
        if path.name != "http.py" and ("import httpx" in path.read_text() or "from httpx" in path.read_text())
    ]
    assert offenders == []
