"""The address guard and the IPv6 forms that embed an IPv4 address: each is judged by the address inside it,
so a loopback or private IPv4 address cannot be reached by writing it in IPv6."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from extractors import errors
from extractors.fetch import Fetcher, _is_public
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy

# (address, public?) per form; the IPv4 addresses inside are spelled out in each comment.
FORMS = {
    "IPv4-mapped": [
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.1.2.3", False),
        ("::ffff:169.254.169.254", False),  # the cloud metadata address
        ("::ffff:8.8.8.8", True),
    ],
    "IPv4-translated": [
        ("::ffff:0:127.0.0.1", False),
        ("::ffff:0:192.168.1.1", False),
        ("::ffff:0:8.8.8.8", True),
    ],
    "IPv4-compatible (deprecated: never public)": [
        ("::127.0.0.2", False),
        ("::10.0.0.1", False),
        ("::8.8.8.8", False),
        ("::1.1.1.1", False),
    ],
    "NAT64 well-known prefix": [
        ("64:ff9b::127.0.0.1", False),
        ("64:ff9b::172.16.0.1", False),
        ("64:ff9b::8.8.8.8", True),
    ],
    "NAT64 local-use prefix (never public: not globally reachable)": [
        ("64:ff9b:1::127.0.0.1", False),
        ("64:ff9b:1:7f00:1::", False),
        ("64:ff9b:1::8.8.8.8", False),
    ],
    "6to4": [
        ("2002:7f00:1::1", False),  # 127.0.0.1
        ("2002:a00:1::", False),  # 10.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 169.254.169.254
        ("2002:808:808::1", True),  # 8.8.8.8
    ],
    "Teredo": [
        ("2001:0:7f00:1:8000:63bf:fefe:fefe", False),  # server 127.0.0.1, client 1.1.1.1
        ("2001:0:808:808:8000:63bf:80ff:fffe", False),  # server 8.8.8.8, client 127.0.0.1
        ("2001:0:808:808:8000:63bf:f5ff:fffe", False),  # server 8.8.8.8, client 10.0.0.1
        ("2001:0:808:808:8000:63bf:fefe:fefe", True),  # server 8.8.8.8, client 1.1.1.1
    ],
    "plain": [
        ("127.0.0.1", False),
        ("8.8.8.8", True),
        ("::", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("ff02::1", False),
        ("2606:4700:4700::1111", True),
    ],
}
CASES = [
    pytest.param(address, public, id=f"{form}: {address}") for form, rows in FORMS.items() for address, public in rows
]


@pytest.mark.parametrize(("address", "public"), CASES)
def test_each_form_is_judged_by_the_ipv4_address_inside_it(address: str, public: bool) -> None:
    assert _is_public(address) is public


def test_the_teredo_and_6to4_cases_embed_what_their_comments_say() -> None:
    """Python's own decoding of the two forms, so the cases above test what they claim to."""
    teredo = {str(a): ipaddress.IPv6Address(a).teredo for a, _ in FORMS["Teredo"]}
    assert [(str(s), str(c)) for s, c in filter(None, teredo.values())] == [
        ("127.0.0.1", "1.1.1.1"),
        ("8.8.8.8", "127.0.0.1"),
        ("8.8.8.8", "10.0.0.1"),
        ("8.8.8.8", "1.1.1.1"),
    ]
    assert [str(ipaddress.IPv6Address(a).sixtofour) for a, _ in FORMS["6to4"]] == [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "8.8.8.8",
    ]


@pytest.fixture(scope="module")
def local() -> Iterator[FixtureServer]:
    server = FixtureServer({"/secret": Route(body=b"internal")})
    yield server
    server.close()


@pytest.mark.parametrize(
    "host",
    [
        "::ffff:127.0.0.1",
        "::ffff:0:127.0.0.1",
        "::127.0.0.1",
        "64:ff9b::127.0.0.1",
        "64:ff9b:1::127.0.0.1",
        "2002:7f00:1::1",
        "2001:0:7f00:1:8000:63bf:fefe:fefe",
        "2001:0:808:808:8000:63bf:80ff:fffe",
    ],
)
def test_a_request_to_a_loopback_address_in_ipv6_clothes_is_refused_before_connecting(
    local: FixtureServer, host: str
) -> None:
    local.seen.clear()
    # 127.0.0.1 is allowed as written; the same address written in IPv6 is not that host name.
    with (
        Fetcher(fetch_policy(frozenset({"127.0.0.1"}))) as fetcher,
        pytest.raises(errors.BlockedURL, match=r"which is not a public address") as info,
    ):
        fetcher.get(f"http://[{host}]:{local.port}/secret")
    assert info.value.hops == ()
    assert local.seen == []
