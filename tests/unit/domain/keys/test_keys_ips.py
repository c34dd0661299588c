import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.ips import UNBOUND, IpAllowList, parse_ip_list


def allow(text: str) -> IpAllowList:
    parsed = parse_ip_list(text)
    assert isinstance(parsed, IpAllowList), parsed
    return parsed


def test_empty_list_is_unbound_and_allows_all() -> None:
    assert allow("").unbound
    assert allow(" , ,").networks == ()
    assert UNBOUND.allows("198.51.100.1")


@pytest.mark.parametrize("text", ["0.0.0.0/0", "::/0", "1.2.3.4,0.0.0.0/0", "0.0.0.0/1 128.0.0.0/1"])
def test_lists_covering_a_family_count_as_unbound(text: str) -> None:
    parsed = allow(text)
    assert parsed.unbound
    assert parsed.allows("198.51.100.1")
    assert parsed.allows("2001:db8::1")


def test_separators_dedup_and_canonical_text() -> None:
    parsed = allow("1.2.3.4, 10.1.2.3/8  2001:DB8::1,1.2.3.4\n::ffff:5.6.7.8")
    assert parsed.entries == ("1.2.3.4", "10.0.0.0/8", "2001:db8::1", "5.6.7.8")
    assert parsed.to_text() == "1.2.3.4,10.0.0.0/8,2001:db8::1,5.6.7.8"
    assert not parsed.unbound


@pytest.mark.parametrize(
    ("entry", "client", "allowed"),
    [
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("203.0.113.0/24", "203.0.113.200", True),
        ("203.0.113.0/24", "203.0.114.1", False),
        ("2001:db8::/32", "2001:db8:ffff::1", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("2001:db8::1", "2001:DB8:0:0:0:0:0:1", True),
        ("2001:db8::1", "fe80::1%eth0", False),
        ("fe80::1", "fe80::1%eth0", True),
        ("203.0.113.7", "::ffff:203.0.113.7", True),  # v4-mapped client, v4 entry
        ("::ffff:203.0.113.7", "203.0.113.7", True),  # v4-mapped entry, v4 client
        ("::ffff:203.0.113.0/120", "203.0.113.9", True),
        ("203.0.113.0/24", "::ffff:203.0.113.9", True),
        ("203.0.113.7", "2001:db8::1", False),
        ("2001:db8::/32", "203.0.113.7", False),
        ("203.0.113.7", "not-an-ip", False),
        ("203.0.113.7", "", False),
        ("10.0.0.0/255.0.0.0", "10.9.9.9", True),
    ],
)
def test_matching(entry: str, client: str, allowed: bool) -> None:
    assert allow(entry).allows(client) is allowed


@pytest.mark.parametrize(
    "bad", ["1.2.3", "1.2.3.4/33", "300.1.1.1", "01.2.3.4", "example.com", "1.2.3.4/", "::g"]
)
def test_invalid_entry_is_named(bad: str) -> None:
    assert parse_ip_list(f"1.2.3.4,{bad}") == Rejected.of(Reason.KEY_IP_INVALID, field="ip", ip=bad)


def test_at_most_20_entries() -> None:
    twenty = ",".join(f"10.0.0.{i}" for i in range(20))
    assert len(allow(twenty).networks) == 20
    assert parse_ip_list(twenty + ",10.0.0.99") == Rejected.of(Reason.KEY_IP_LIMIT, field="ip", limit="20")


def test_equal_lists_compare_equal() -> None:
    assert allow("1.2.3.4,10.0.0.0/8") == allow("1.2.3.4 10.0.0.0/8")
