"""The one outbound HTTP helper. Nothing else in Sluice imports httpx.

Every connection is checked where it is made: the host name is resolved, and a connection
goes only to an address that is public or on the operator's allow-list
(``OUTBOUND_ALLOWLIST``). Loopback, private, link-local (cloud metadata included), CGNAT,
multicast, reserved and unspecified addresses are refused. Because the check sits in the
transport's connect step, it runs again for every redirect hop and cannot be bypassed by
DNS rebinding between the check and the connection (we connect to the address we checked).
Environment proxies are ignored so that they cannot route around the check.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings

CGNAT = ipaddress.ip_network("100.64.0.0/10")
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class OutboundBlocked(Exception):
    """The destination is not allowed; the message says which address and why."""


class ResponseTooLarge(Exception):
    pass


def _networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def blocked_reason(address: str, allowlist: Iterable[str] = ()) -> str | None:
    """Why a connection to this IP address is refused, or None when it is allowed."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _networks(allowlist)):
        return None
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local (cloud metadata)"),
        (ip in CGNAT, "carrier-grade NAT"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
    )
    for matched, reason in checks:
        if matched:
            return reason
    return None


def _allowlist() -> list[str]:
    return list(getattr(settings, "OUTBOUND_ALLOWLIST", []))


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks, then connects to the checked address (the allow-list as configured now:
    a pooled client lives long)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if host.lower().rstrip(".") in METADATA_HOSTS:
            raise OutboundBlocked(f"{host} is a cloud metadata host")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for *_, sockaddr in infos:
            address = sockaddr[0]
            reason = blocked_reason(address, _allowlist())
            if reason:
                raise OutboundBlocked(f"{host} resolves to {address}, a {reason} address; not allowed")
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"cannot connect to {host}")


def client(
    *, timeout: float = 30, follow_redirects: bool = True, max_redirects: int = 5, event_hooks: dict | None = None,
    max_connections: int = 20,
) -> httpx.Client:
    """An httpx client whose every connection goes through the address check; at most
    ``max_connections`` at once, all of them kept alive between requests."""
    transport = httpx.HTTPTransport(retries=0)
    transport._pool = httpcore.ConnectionPool(  # the public constructor has no backend hook
        ssl_context=httpx.create_ssl_context(),
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        network_backend=_GuardedBackend(),
    )
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
        event_hooks=event_hooks or {},
    )


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json: Any = None,
    content: str | bytes | None = None,
    timeout: float = 30,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sensitive_headers: tuple[str, ...] = (),
) -> Response:
    """One outbound request with the address check, a timeout and a size limit.

    ``sensitive_headers`` (a credential's) go only to the URL's own origin: a redirect to
    another scheme, host or port drops them, as httpx does with ``Authorization``.
    """
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https"):
        raise OutboundBlocked(f"only http and https URLs are allowed, not {parsed.scheme or 'none'}")
    origin = (parsed.scheme, parsed.host, parsed.port)

    def keep_to_origin(outgoing: httpx.Request) -> None:
        if (outgoing.url.scheme, outgoing.url.host, outgoing.url.port) != origin:
            for name in sensitive_headers:
                outgoing.headers.pop(name, None)

    hooks = {"request": [keep_to_origin]} if sensitive_headers else None
    with (
        client(timeout=timeout, event_hooks=hooks) as http,
        http.stream(method, url, headers=headers, params=params, json=json, content=content) as response,
    ):
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLarge(f"response of {declared} bytes is over the {max_bytes}-byte limit")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"response is over the {max_bytes}-byte limit")
            chunks.append(chunk)
        return Response(
            status_code=response.status_code,
            headers=dict(response.headers),
            body=b"".join(chunks),
            url=str(response.url),
        )


# Errors a caller may treat as "the other side failed" (retryable), as opposed to refusals.
TransportError = httpx.TransportError


# --- A pooled client for calls made again and again (model providers) ----------------------

_shared: dict[int, httpx.Client] = {}
_shared_lock = threading.Lock()


def _new_lock_in_child() -> None:
    global _shared_lock
    _shared_lock = threading.Lock()  # a fork mid-creation must not leave the child's lock taken


os.register_at_fork(after_in_child=_new_lock_in_child)
SHARED_CONNECTIONS = 100


def shared_client() -> httpx.Client:
    """One client per process with kept-alive connections, for callers that talk to the same
    hosts over and over. Made anew in a forked child (a connection must not cross a fork).
    It follows no redirects: a provider that redirects is an error, and a key never travels on.

    Every thread of the process shares it (the web process answers on many), so it keeps up to
    ``SHARED_CONNECTIONS`` connections open: fewer made the 21st concurrent model call wait for
    a free one, and closing all but 10 after each answer made most calls connect anew."""
    pid = os.getpid()
    found = _shared.get(pid)
    if found is None:
        with _shared_lock:  # threads asking at once for the first time get the same one
            if pid not in _shared:
                _shared.clear()
                _shared[pid] = client(timeout=30, follow_redirects=False, max_connections=SHARED_CONNECTIONS)
            found = _shared[pid]
    return found


@dataclass
class Streamed:
    """An answer being read: its status and headers now, its body as it arrives."""

    status_code: int
    headers: dict[str, str]
    _response: httpx.Response
    _max_bytes: int

    def lines(self) -> Iterable[str]:
        size = 0
        for line in self._response.iter_lines():
            size += len(line) + 1
            if size > self._max_bytes:
                raise ResponseTooLarge(f"response is over the {self._max_bytes}-byte limit")
            yield line

    def read(self) -> bytes:
        chunks, size = [], 0
        for chunk in self._response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise ResponseTooLarge(f"response is over the {self._max_bytes}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)


def open_stream(method: str, url: str, *, headers: dict[str, str] | None = None, json: Any = None,
                timeout: float = 30, max_bytes: int = DEFAULT_MAX_BYTES):  # fmt: skip
    """A context manager giving a ``Streamed`` answer, over the shared client (address checks
    as everywhere)."""
    from contextlib import contextmanager

    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https"):
        raise OutboundBlocked(f"only http and https URLs are allowed, not {parsed.scheme or 'none'}")

    @contextmanager
    def opened():
        with shared_client().stream(method, url, headers=headers, json=json, timeout=timeout) as response:
            yield Streamed(response.status_code, dict(response.headers), response, max_bytes)

    return opened()
