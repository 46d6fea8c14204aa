"""The network guard of tests/conftest.py: it stops every way off this machine and keeps loopback working."""
from __future__ import annotations

import errno
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import NetworkBlocked, is_local

#: TEST-NET-3 (RFC 5737): reserved for documentation, never routed to anyone.
OUTSIDE = ("203.0.113.1", 80)


def listener(family=socket.AF_INET, address=("127.0.0.1", 0)) -> socket.socket:
    server = socket.socket(family, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(1)
    return server


def echo_once(server: socket.socket) -> threading.Thread:
    def serve():
        conn, _addr = server.accept()
        with conn:
            conn.sendall(conn.recv(64).upper())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def round_trip(family, server_address) -> bytes:
    with socket.socket(family, socket.SOCK_STREAM) as client:
        client.settimeout(5)
        client.connect(server_address)
        client.sendall(b"ping")
        return client.recv(64)


def test_connecting_outside_raises_before_any_packet(network_guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Non-blocking: a real connect() would return at once (EINPROGRESS) with a SYN on its way and the
        # socket left connecting, so connecting it again would fail with EALREADY.
        sock.setblocking(False)
        started = time.perf_counter()
        with pytest.raises(NetworkBlocked, match=r"203\.0\.113\.1.*port 80.*must not reach the network"):
            sock.connect(OUTSIDE)
        with pytest.raises(NetworkBlocked):
            sock.connect_ex(OUTSIDE)
        assert time.perf_counter() - started < 1
        # The socket never left its fresh state: it still connects to a local server.
        with listener() as server:
            thread = echo_once(server)
            sock.setblocking(True)
            sock.settimeout(5)
            sock.connect(server.getsockname())
            sock.sendall(b"still fresh")
            assert sock.recv(64) == b"STILL FRESH"
            thread.join(5)


def test_the_guard_is_not_an_oserror():
    # Libraries that retry or wrap OSError (urllib3, elastic-transport, smtplib) must not swallow it.
    assert issubclass(NetworkBlocked, RuntimeError) and not issubclass(NetworkBlocked, OSError)


@pytest.mark.parametrize("lookup", [
    lambda: socket.getaddrinfo("example.com", 443),
    lambda: socket.getaddrinfo(host="tt-platform.invalid", port=80),
    lambda: socket.gethostbyname("pypi.org"),
    lambda: socket.gethostbyname_ex("example.org"),
    lambda: socket.gethostbyaddr("203.0.113.1"),
    lambda: socket.create_connection(("example.com", 80), timeout=5),
    lambda: socket.create_connection(OUTSIDE, timeout=5),
], ids=["getaddrinfo", "getaddrinfo-keywords", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
        "create_connection-name", "create_connection-address"])
def test_name_lookups_and_connections_outside_are_blocked(lookup):
    with pytest.raises(NetworkBlocked, match="must not reach the network"):
        lookup()


def test_udp_outside_is_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, \
            pytest.raises(NetworkBlocked, match=r"send to '203\.0\.113\.1'"):
        sock.sendto(b"\x00" * 12, ("203.0.113.1", 53))  # what a DNS query over UDP would do


def test_ipv4_loopback_and_localhost_work():
    with listener() as server:
        thread = echo_once(server)
        assert round_trip(socket.AF_INET, server.getsockname()) == b"PING"
        thread.join(5)
    with listener() as server:
        thread = echo_once(server)
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5) as client:
            client.sendall(b"by name")
            assert client.recv(64) == b"BY NAME"
        thread.join(5)
    assert socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    assert socket.gethostbyname("localhost").startswith("127.")


def test_ipv6_loopback_works():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        server = listener(socket.AF_INET6, ("::1", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here ({exc})")
    with server:
        thread = echo_once(server)
        assert round_trip(socket.AF_INET6, server.getsockname()[:2]) == b"PING"
        thread.join(5)


def test_unix_sockets_work():
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:  # short path: AF_UNIX names are ≤ 107 bytes
        path = str(Path(tmp) / "s")
        with listener(socket.AF_UNIX, path) as server:
            thread = echo_once(server)
            assert round_trip(socket.AF_UNIX, path) == b"PING"
            thread.join(5)


def test_a_refused_loopback_port_is_an_ordinary_error():
    # The guard only stands in the way of the outside: locally, the kernel answers as usual.
    with listener() as server:
        port = server.getsockname()[1]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
    ("localhost", True), ("LOCALHOST.", True), ("0.0.0.0", True),  # noqa: S104 (None, True), (b"127.0.0.1", True),
    ("203.0.113.1", False), ("10.0.0.1", False), ("192.168.1.1", False), ("::ffff:203.0.113.1", False),
    ("2001:db8::1", False), ("fe80::1%eth0", False), ("example.com", False), ("localhost.example.com", False),
])
def test_what_counts_as_local(host, local):
    assert is_local(host) is local
