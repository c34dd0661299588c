"""Simulated deposit addresses (stable, per user, per chain, shaped like the chain's) and withdrawal
destinations (`address:tag`)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.addresses import (
    Destination,
    deposit_address,
    family_of,
    is_plausible_address,
    parse_chain_destination,
    parse_destination,
)
from sandex.domain.instruments import Chain
from sandex.storage.catalogue_file import load_catalogue

SECRET = b"k" * 32


def _chain(name: str, needs_tag: bool = False) -> Chain:
    return Chain(name, needs_tag, Decimal("0.1"), Decimal(1), Decimal("0.1"), 6, 10)


def test_the_same_inputs_give_the_same_address_and_each_input_matters() -> None:
    chain = _chain("USDT-TRC20")
    first = deposit_address(SECRET, "live", "1001", chain)
    assert first == deposit_address(SECRET, "live", "1001", chain)
    others = {
        deposit_address(SECRET, "live", "1002", chain).addr,
        deposit_address(SECRET, "demo", "1001", chain).addr,
        deposit_address(b"x" * 32, "live", "1001", chain).addr,
        deposit_address(SECRET, "live", "1001", _chain("USDT-ERC20")).addr,
    }
    assert first.addr not in others and len(others) == 4
    assert first.tag is None


@pytest.mark.parametrize(
    ("chain", "pattern"),
    [
        ("ETH-ERC20", r"0x[0-9a-f]{40}"),
        ("BNB-BSC", r"0x[0-9a-f]{40}"),
        ("USDT-TRC20", r"T[1-9A-HJ-NP-Za-km-z]{33}"),
        ("BTC-Bitcoin", r"bc1q[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38}"),
        ("SOL-Solana", r"[1-9A-HJ-NP-Za-km-z]{44}"),
        ("DOGE-Dogecoin", r"D[1-9A-HJ-NP-Za-km-z]{33}"),
        ("SUI-SUI", r"0x[0-9a-f]{64}"),
        ("Made-Up Chain", r"sx[0-9a-f]{40}"),
    ],
)
def test_addresses_look_like_their_chain(chain: str, pattern: str) -> None:
    assert re.fullmatch(pattern, deposit_address(SECRET, "live", "42", _chain(chain)).addr)


def test_chains_with_tags_share_one_address_and_give_each_user_a_tag() -> None:
    xrp = _chain("XRP-Ripple", needs_tag=True)
    alice, bob = (deposit_address(SECRET, "live", uid, xrp) for uid in ("1001", "1002"))
    assert alice.addr == bob.addr and re.fullmatch(r"r[1-9A-HJ-NP-Za-km-z]{33}", alice.addr)
    assert alice.tag != bob.tag and alice.tag is not None and re.fullmatch(r"[1-9][0-9]{8}", alice.tag)
    assert alice.tag_field == "tag"
    assert deposit_address(SECRET, "live", "1001", _chain("XLM-Stellar Lumens", True)).tag_field == "memo"


def test_every_catalogue_chain_gets_a_plausible_address() -> None:
    catalogue = load_catalogue()
    chains = [chain for currency in catalogue.currencies.values() for chain in currency.chains]
    assert chains
    for chain in chains:
        address = deposit_address(SECRET, "demo", "7", chain)
        assert is_plausible_address(address.addr), chain.name
        assert (address.tag is not None) == chain.needs_tag
    assert family_of("USDT-ERC20") == "evm" and family_of("XLM-Stellar Lumens") == "stellar"


def test_destination_on_a_plain_chain_is_the_address() -> None:
    assert parse_destination(" 0xabc123def456 ", needs_tag=False) == Destination("0xabc123def456", "")


def test_destination_on_a_tag_chain_needs_address_colon_tag() -> None:
    assert parse_destination("rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY:12345", needs_tag=True) == Destination(
        "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY", "12345"
    )
    for text in ("rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY", "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY:", ":123"):
        assert parse_destination(text, needs_tag=True) == Rejected(Reason.WITHDRAWAL_TAG_REQUIRED)


@pytest.mark.parametrize("text", ["short", "a" * 20, "has space in it", "x" * 129, "0xabc\u00e9def12345"])
def test_implausible_addresses_are_refused(text: str) -> None:
    assert parse_destination(text, needs_tag=False) == Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)


def test_every_catalogue_chain_accepts_its_own_deposit_addresses() -> None:
    catalogue = load_catalogue()
    for chain in (c for currency in catalogue.currencies.values() for c in currency.chains):
        address = deposit_address(SECRET, "live", "1001", chain)
        text = f"{address.addr}:{address.tag}" if chain.needs_tag else address.addr
        assert parse_chain_destination(text, chain) == Destination(address.addr, address.tag or ""), (
            chain.name
        )


@pytest.mark.parametrize(
    ("chain", "addr"),
    [
        ("USDT-TRC20", "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"),
        ("USDT-ERC20", "0x52908400098527886E0F7030069857D2E4169EE7"),
        ("BTC-Bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("BTC-Bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("BTC-Bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ("LTC-Litecoin", "LQTpS3VaYTjCr4s9Y1t5zbeY26zevf7Fb3"),
        ("SOL-Solana", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"),
        ("TON-TON", "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N"),
        ("HBAR-Hedera", "0.0.123456"),
    ],
)
def test_real_addresses_fit_their_chain(chain: str, addr: str) -> None:
    assert parse_chain_destination(addr, _chain(chain)) == Destination(addr, "")


@pytest.mark.parametrize(
    ("chain", "addr"),
    [
        ("USDT-TRC20", "not-an-address"),
        ("USDT-TRC20", "0x52908400098527886E0F7030069857D2E4169EE7"),
        ("USDT-TRC20", "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvY"),  # one character short
        ("USDT-TRC20", "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvY0"),  # 0 is not base58
        ("USDT-ERC20", "0x52908400098527886E0F7030069857D2E4169EEG"),
        ("USDT-ERC20", "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"),
        ("BTC-Bitcoin", "0x52908400098527886E0F7030069857D2E4169EE7"),
        ("BTC-Bitcoin", "bc1qnotours"),
        ("HBAR-Hedera", "0.0.abc"),
    ],
)
def test_addresses_of_another_shape_are_invalid_for_the_chain(chain: str, addr: str) -> None:
    assert parse_chain_destination(addr, _chain(chain)) == Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)


def test_xrp_tags_are_32_bit_unsigned_numbers() -> None:
    xrp = _chain("XRP-Ripple", needs_tag=True)
    addr = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
    assert parse_chain_destination(f"{addr}:4294967295", xrp) == Destination(addr, "4294967295")
    for tag in ("4294967296", "memo1", "-1"):
        assert parse_chain_destination(f"{addr}:{tag}", xrp) == Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)
