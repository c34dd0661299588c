import base64
import hashlib
import hmac

from sandex.domain.keys import signing

# Reference §1.3: the docs' example secret and the worked vector (re-checked: the published value
# is what HMAC-SHA256 + Base64 really gives).
DOC_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
DOC_PREHASH = b"2026-08-22T16:20:00.000ZGET/api/v5/account/balance?ccy=BTC"
DOC_SIGN = "FN++QZPqWIZja9FNV7ev3w3IvSQUleBYxtJidJKKB+E="


def test_prehash_joins_without_separators() -> None:
    assert (
        signing.prehash("2026-08-22T16:20:00.000Z", "GET", "/api/v5/account/balance?ccy=BTC") == DOC_PREHASH
    )


def test_documented_vector() -> None:
    assert signing.sign(DOC_SECRET, DOC_PREHASH) == DOC_SIGN
    assert signing.sign(DOC_SECRET.encode(), DOC_PREHASH) == DOC_SIGN


def test_sign_is_base64_of_hmac_sha256_keyed_with_the_secret_text() -> None:
    message = b'2020-12-08T09:08:57.715ZPOST/api/v5/trade/order{"instId": "BTC-USDT"}'
    digest = hmac.new(DOC_SECRET.encode(), message, hashlib.sha256).digest()
    assert signing.sign(DOC_SECRET, message) == base64.b64encode(digest).decode()


def test_body_and_target_as_text_or_bytes_sign_alike() -> None:
    as_text = signing.prehash("t", "POST", "/api/v5/x?a=é", '{"a": 1}')
    as_bytes = signing.prehash("t", "POST", "/api/v5/x?a=é".encode(), b'{"a": 1}')
    assert as_text == as_bytes == 'tPOST/api/v5/x?a=é{"a": 1}'.encode()


def test_absent_body_signs_nothing() -> None:
    assert signing.prehash("t", "POST", "/p") == b"tPOST/p"


def test_method_is_not_normalised() -> None:
    assert signing.prehash("t", "get", "/p") != signing.prehash("t", "GET", "/p")


def test_verify_accepts_the_right_sign_only() -> None:
    assert signing.verify(DOC_SECRET, DOC_PREHASH, DOC_SIGN)
    assert not signing.verify(DOC_SECRET, DOC_PREHASH + b"&", DOC_SIGN)
    assert not signing.verify("00" + DOC_SECRET[2:], DOC_PREHASH, DOC_SIGN)
    assert not signing.verify(DOC_SECRET, DOC_PREHASH, DOC_SIGN[:-1])
    assert not signing.verify(DOC_SECRET, DOC_PREHASH, "")


def test_verify_survives_hostile_sign_text() -> None:
    assert not signing.verify(DOC_SECRET, DOC_PREHASH, "ünïcødé\udc80\ud800")


def test_ws_login_prehash() -> None:
    assert signing.ws_login_prehash("1538054050") == b"1538054050GET/users/self/verify"
