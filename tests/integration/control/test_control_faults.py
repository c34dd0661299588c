"""Injected faults on the OKX routes: OKX's wire shapes, recorded firings, and nothing executed."""

from __future__ import annotations

import time
from decimal import Decimal

import orjson
import pytest

from sandex.client import ControlError, HttpError, OkxError
from sandex.testing.inprocess import SandexApp

ORDER = "POST /api/v5/trade/order"


async def test_a_request_level_code_has_okx_status_and_body(sandex_app: SandexApp) -> None:
    fault = await sandex_app.control.inject_error("50001", times=1)
    response = await sandex_app.http.get("/api/v5/public/time")
    assert response.status_code == 503
    assert response.content == (
        b'{"code":"50001","msg":"Service temporarily unavailable. Please try again later.","data":[]}'
    )
    assert (await sandex_app.http.get("/api/v5/public/time")).status_code == 200  # times=1: retired
    events = await sandex_app.control.fault_events(fault_id=fault.id)
    assert [(e.target, e.code) for e in events] == [("GET /api/v5/public/time", "50001")]
    assert (await sandex_app.control.get_fault(fault.id)).remaining == 0


async def test_50011_is_okx_bare_429(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_error("50011", route="/api/v5/public/*")
    response = await sandex_app.http.get("/api/v5/public/time")
    assert response.status_code == 429
    assert response.content == b'{"msg":"Too Many Requests","code":"50011"}'


async def test_an_injected_51008_on_place_order_is_a_real_rejection_and_places_nothing(
    sandex_app: SandexApp,
) -> None:
    account = await sandex_app.create_account(funds={"USDT": "1000"})
    await sandex_app.control.inject_error("51008", route=ORDER, times=1)
    okx = sandex_app.okx(account.trade)
    with pytest.raises(OkxError) as caught:
        await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100", cl_ord_id="grid1", tag="t1")
    error = caught.value
    assert (error.code, error.top_code, error.http_status) == ("51008", "1", 200)
    item = error.data[0]
    assert list(item) == ["clOrdId", "ordId", "tag", "ts", "sCode", "sMsg"]
    assert (item["clOrdId"], item["ordId"], item["tag"], item["sCode"]) == ("grid1", "", "t1", "51008")
    assert item["sMsg"] == "Order failed. Insufficient USDT balance in account"
    assert await okx.pending_orders() == []  # the handler never ran
    assert (await okx.balance()).avail("USDT") == Decimal(1000)
    ack = await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100")  # the next one is real
    assert ack.ok and ack.ord_id


async def test_a_batch_fails_item_by_item_with_inTime_and_outTime(sandex_app: SandexApp) -> None:  # noqa: N802
    await sandex_app.control.inject_error("51008", route="/api/v5/trade/batch-orders")
    body = [{"instId": "BTC-USDT", "side": "sell", "clOrdId": "a"}, {"instId": "ETH-USDT", "side": "buy"}]
    response = await sandex_app.http.post("/api/v5/trade/batch-orders", json=body)
    answer = response.json()
    assert response.status_code == 200 and (answer["code"], answer["msg"]) == ("1", "All operations failed")
    assert [(i["clOrdId"], i["sCode"], i["sMsg"]) for i in answer["data"]] == [
        ("a", "51008", "Order failed. Insufficient BTC balance in account"),
        ("", "51008", "Order failed. Insufficient USDT balance in account"),
    ]
    assert answer["inTime"].isdigit() and answer["outTime"].isdigit()


async def test_cancel_and_amend_items_echo_their_ids(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_error("51400", route="/api/v5/trade/cancel-order")
    await sandex_app.control.inject_error("51503", route="/api/v5/trade/amend-order", msg="busy")
    cancel = (await sandex_app.http.post("/api/v5/trade/cancel-order", json={"ordId": "42"})).json()
    item = cancel["data"][0]
    assert (item["clOrdId"], item["ordId"], item["sCode"]) == ("", "42", "51400")
    assert item["sMsg"].startswith("Order cancellation failed as the order has been filled")
    assert list(item) == ["clOrdId", "ordId", "ts", "sCode", "sMsg"]
    amend = (
        await sandex_app.http.post("/api/v5/trade/amend-order", json={"ordId": "7", "reqId": "r1"})
    ).json()
    assert (amend["data"][0]["reqId"], amend["data"][0]["sMsg"]) == ("r1", "busy")


async def test_a_50xxx_code_on_an_order_route_stays_request_level(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_error("50026", route=ORDER)
    response = await sandex_app.http.post("/api/v5/trade/order", json={"instId": "BTC-USDT"})
    assert response.status_code == 500
    assert orjson.loads(response.content) == {
        "code": "50026",
        "msg": "System error. Try again later.",
        "data": [],
    }


async def test_codes_outside_the_table_answer_200_with_the_given_message(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_error("59999", msg="Something odd")
    response = await sandex_app.http.get("/api/v5/public/time")
    assert (response.status_code, response.json()) == (
        200,
        {"code": "59999", "msg": "Something odd", "data": []},
    )


async def test_an_http_fault_answers_a_non_json_page(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_http(route="GET /api/v5/public/time", times=1)
    await sandex_app.control.inject_http(504, route="/api/v5/public/instruments", body="upstream timed out")
    page = await sandex_app.http.get("/api/v5/public/time")
    assert page.status_code == 502 and page.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in page.text
    with pytest.raises(HttpError) as caught:
        await sandex_app.okx().request(
            "GET", "/api/v5/public/instruments", {"instType": "SPOT"}, signed=False
        )
    assert (caught.value.status, caught.value.body) == (504, "upstream timed out")


async def test_latency_delays_and_then_serves(sandex_app: SandexApp) -> None:
    await sandex_app.control.inject_latency(150, route="/api/v5/public/time", times=1)
    started = time.perf_counter()
    response = await sandex_app.http.get("/api/v5/public/time")
    assert response.status_code == 200 and response.json()["code"] == "0"
    assert time.perf_counter() - started >= 0.15


async def test_a_fault_for_one_key_hits_only_that_key_and_changes_nothing(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={})
    other = await sandex_app.control.create_key(account.uid, perm="read_only")
    fault = await sandex_app.control.inject_error("50013", api_key=account.read_only.api_key)
    with pytest.raises(OkxError) as caught:
        await sandex_app.okx(account.read_only).account_config()
    assert (caught.value.code, caught.value.http_status) == ("50013", 429)
    assert (await sandex_app.okx(other.credentials).account_config()).uid == account.uid
    # Not authenticated, not charged, not recorded as a use of the key:
    assert (await sandex_app.control.get_key(account.read_only.api_key)).last_used_ms is None
    assert [e.api_key for e in await sandex_app.control.fault_events(fault_id=fault.id)] == [
        account.read_only.api_key
    ]


async def test_a_faulted_write_changes_nothing(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={})
    sub = await sandex_app.control.create_subaccount(account.uid, "faulted01")
    await sandex_app.control.inject_error("50001", route="POST /api/v5/users/subaccount/apikey")
    okx = sandex_app.okx(account.trade)
    body = {
        "subAcct": "faulted01",
        "label": "x",
        "passphrase": "Sub#Pass123",
        "perm": "read_only",
        "ip": "127.0.0.1",
    }
    with pytest.raises(OkxError):
        await okx.request("POST", "/api/v5/users/subaccount/apikey", body=body)
    assert await sandex_app.control.list_keys(sub.uid) == []
    await sandex_app.control.clear_faults()
    # The same request now creates the key, at once: the faulted one was not charged to the route's
    # budget of one request per second either.
    created = await okx.request("POST", "/api/v5/users/subaccount/apikey", body=body)
    assert [k.api_key for k in await sandex_app.control.list_keys(sub.uid)] == [created[0]["apiKey"]]


async def test_faults_are_listed_read_and_removed(sandex_app: SandexApp) -> None:
    control = sandex_app.control
    first = await control.inject_error("50001", route=ORDER, times=3, probability=0.5, seed=4)
    second = await control.inject_latency(10)
    assert [f.id for f in await control.faults()] == [first.id, second.id]
    assert (first.kind, first.route, first.times, first.probability, first.fired) == (
        "error",
        ORDER,
        3,
        0.5,
        0,
    )
    await control.remove_fault(first.id)
    assert [f.id for f in await control.faults()] == [second.id]
    with pytest.raises(ControlError) as caught:
        await control.get_fault(first.id)
    assert caught.value.status == 404
    await control.clear_faults()
    assert await control.faults() == []


async def test_a_bad_fault_is_refused_naming_the_field(sandex_app: SandexApp) -> None:
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.add_fault("error", code="50001", probability=2)
    assert (caught.value.status, caught.value.field) == (400, "probability")
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.add_fault("meltdown")
    assert (caught.value.status, caught.value.field) == (400, "kind")
    assert await sandex_app.control.faults() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("times", "1" + "0" * 30),
        ("times", "0"),
        ("seed", str(2**64)),
        ("seed", "-1"),
        ("status", "1" + "0" * 30),
        ("latency_ms", "1" + "0" * 30),
        ("probability", "1e400"),
    ],
)
async def test_an_out_of_range_number_is_refused_and_the_list_still_answers(
    sandex_app: SandexApp, field: str, value: str
) -> None:
    body = f'{{"kind": "error", "code": "50001", "{field}": {value}}}'  # raw JSON: numbers beyond 64 bits
    response = await sandex_app.http.post("/sandex/v1/faults", content=body, headers=_admin(sandex_app))
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    listed = await sandex_app.http.get("/sandex/v1/faults", headers=_admin(sandex_app))
    assert (listed.status_code, listed.json()) == (200, {"faults": []})


def _admin(sandex_app: SandexApp) -> dict[str, str]:
    token = sandex_app.runtime.admin_token
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
