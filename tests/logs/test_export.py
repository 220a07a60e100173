# ruff: noqa: E501  (expected rows are written one per line, as the platform exports them)
"""Exports of a simulated log in the platforms' shapes: exact snapshot rows of a hand-built log.

The expected rows are written from the platforms' documented state machines (docs/statuses.md):

* Taobao refund: "refund only ``WAIT_SELLER_AGREE → SUCCESS``; ``WAIT_SELLER_AGREE →
  WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS → SUCCESS``; ``SELLER_REFUSE_BUYER`` → the buyer
  edits … or asks for intervention"; ``cs_status`` "2 intervention needed (the buyer asked), 3 the
  platform intervened, 6 done" (1: not needed); Tmall exchanges are exchange orders of their own,
  not refunds.
* WeChat after-sale: "return: ``MERCHANT_PROCESSING → USER_WAIT_RETURN → MERCHANT_WAIT_RECEIPT →(agree |
  timeout) PLATFORM_REFUNDING → MERCHANT_RETURN_SUCCESS``"; disputes are documents of their own
  (no after-sale status); ``refund_info.refund_reason`` 1 the merchant refunded, 5 the platform
  refunded after a dispute, 9 the merchant's review timed out; amounts in fen, times in Unix seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from simkit.errors import UsageError
from simkit.logs.export import SHAPES, export_tables, render, write_export

CHINA = dt.timezone(dt.timedelta(hours=8))
RUN = "shop-s1-r0"


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)).tz_convert("Asia/Shanghai")


def _unix(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CHINA).timestamp())


def _events(rows: list[tuple[int, int, str, str, str, str, str, float]]) -> pd.DataFrame:
    """(order, case, time, actor, activity, kind, reason, amount) → a simkit event log (status left empty)."""
    return pd.DataFrame(
        {
            "run_id": RUN,
            "case:concept:name": [f"{RUN}:O{o}" + (f"-{c}" if c else "") for o, c, *_ in rows],
            "order_id": [o for o, *_ in rows],
            "case_no": [c for _, c, *_ in rows],
            "merchant_id": 0,
            "time_h": 0.0,
            "time:timestamp": [_t(t) for _, _, t, *_ in rows],
            "actor": [r[3] for r in rows],
            "concept:name": [r[4] for r in rows],
            "status": "",
            "cs_status": 0,
            "kind": [r[5] for r in rows],
            "reason": [r[6] for r in rows],
            "amount": [r[7] for r in rows],
            "rule": "",
        }
    )


EVENTS = _events(
    [
        # Order 1: a refund only before shipment, agreed by the merchant.
        (1, 0, "2026-03-04 20:00:00", "buyer", "pay", "", "", 99.0),
        (1, 1, "2026-03-05 10:00:00", "buyer", "request", "refund_only", "changed_mind", 99.0),
        (1, 1, "2026-03-05 20:00:00", "merchant", "agree", "refund_only", "changed_mind", 0.0),
        (1, 1, "2026-03-05 20:00:00", "platform", "refund", "refund_only", "changed_mind", 99.0),
        (1, 0, "2026-03-05 20:00:00", "platform", "close_trade", "", "", 0.0),
        # Order 2: a return refused, the buyer asks the platform, which rules for the buyer.
        (2, 0, "2026-03-01 12:00:00", "buyer", "pay", "", "", 199.0),
        (2, 0, "2026-03-02 12:00:00", "merchant", "ship", "", "", 0.0),
        (2, 0, "2026-03-04 12:00:00", "logistics", "deliver", "", "", 0.0),
        (2, 1, "2026-03-06 10:00:00", "buyer", "request", "return_refund", "not_as_described", 199.0),
        (2, 1, "2026-03-06 15:00:00", "merchant", "refuse", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-07 10:00:00", "buyer", "request_intervention", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-07 12:00:00", "arbiter", "intervene", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-08 10:00:00", "arbiter", "buyer_wins", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-09 10:00:00", "buyer", "ship_return", "return_refund", "not_as_described", 12.0),
        (2, 1, "2026-03-11 10:00:00", "logistics", "return_delivered", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-12 10:00:00", "merchant", "confirm_return", "return_refund", "not_as_described", 0.0),
        (2, 1, "2026-03-12 10:00:00", "platform", "refund", "return_refund", "not_as_described", 199.0),
        (2, 0, "2026-03-12 10:00:00", "platform", "close_trade", "", "", 0.0),
        # Order 3: a refund only the review timer approved (no reply within the timer), after delivery.
        (3, 0, "2026-03-01 09:00:00", "buyer", "pay", "", "", 59.0),
        (3, 0, "2026-03-01 18:00:00", "merchant", "ship", "", "", 0.0),
        (3, 0, "2026-03-03 09:00:00", "logistics", "deliver", "", "", 0.0),
        (3, 1, "2026-03-05 09:00:00", "buyer", "request", "refund_only", "quality", 59.0),
        (3, 1, "2026-03-08 09:00:00", "platform", "auto_agree", "refund_only", "quality", 0.0),
        (3, 1, "2026-03-08 09:00:00", "platform", "refund", "refund_only", "quality", 59.0),
        # Order 4: an exchange (Tmall: an exchange order, not a refund; WeChat: no reshipping statuses).
        (4, 0, "2026-03-01 10:00:00", "buyer", "pay", "", "", 300.0),
        (4, 0, "2026-03-02 10:00:00", "merchant", "ship", "", "", 0.0),
        (4, 0, "2026-03-03 10:00:00", "logistics", "deliver", "", "", 0.0),
        (4, 1, "2026-03-04 10:00:00", "buyer", "request", "exchange", "quality", 300.0),
        (4, 1, "2026-03-04 12:00:00", "merchant", "agree", "exchange", "quality", 0.0),
    ]
)

FACTS = pd.DataFrame(
    {
        "order_id": [1, 2, 3, 4],
        "category": ["apparel", "apparel", "fresh", "electronics"],
        "price": [99.0, 199.0, 59.0, 300.0],
        "free_shipping": [True, False, True, True],
        "channel": ["normal", "normal", "juhuasuan", "normal"],
    }
)


def test_taobao_refund_records_one_row_per_change():
    refunds = export_tables(EVENTS, FACTS, "taobao")["refunds.csv"]
    columns = ["refund_id", "tid", "status", "cs_status", "good_status", "has_good_return", "refund_fee", "modified"]
    rows = [tuple(row) for row in refunds[columns].itertuples(index=False)]
    assert rows == [
        ("100000000101", "1000000001", "WAIT_SELLER_AGREE", 1, "BUYER_NOT_RECEIVED", "false", "99.00", "2026-03-05 10:00:00"),
        ("100000000101", "1000000001", "SUCCESS", 1, "BUYER_NOT_RECEIVED", "false", "99.00", "2026-03-05 20:00:00"),
        ("100000000201", "1000000002", "WAIT_SELLER_AGREE", 1, "BUYER_RECEIVED", "true", "199.00", "2026-03-06 10:00:00"),
        ("100000000201", "1000000002", "SELLER_REFUSE_BUYER", 1, "BUYER_RECEIVED", "true", "199.00", "2026-03-06 15:00:00"),
        ("100000000201", "1000000002", "SELLER_REFUSE_BUYER", 2, "BUYER_RECEIVED", "true", "199.00", "2026-03-07 10:00:00"),
        ("100000000201", "1000000002", "SELLER_REFUSE_BUYER", 3, "BUYER_RECEIVED", "true", "199.00", "2026-03-07 12:00:00"),
        ("100000000201", "1000000002", "WAIT_BUYER_RETURN_GOODS", 6, "BUYER_RECEIVED", "true", "199.00", "2026-03-08 10:00:00"),
        ("100000000201", "1000000002", "WAIT_SELLER_CONFIRM_GOODS", 6, "BUYER_RETURNED_GOODS", "true", "199.00", "2026-03-09 10:00:00"),
        ("100000000201", "1000000002", "SUCCESS", 6, "BUYER_RETURNED_GOODS", "true", "199.00", "2026-03-12 10:00:00"),
        ("100000000301", "1000000003", "WAIT_SELLER_AGREE", 1, "BUYER_RECEIVED", "false", "59.00", "2026-03-05 09:00:00"),
        ("100000000301", "1000000003", "SUCCESS", 1, "BUYER_RECEIVED", "false", "59.00", "2026-03-08 09:00:00"),
    ]  # fmt: skip
    first = refunds.iloc[0]
    assert (first["created"], first["pay_time"], first["reason"], first["refund_phase"], first["order_status"]) == (
        "2026-03-05 10:00:00",
        "2026-03-04 20:00:00",
        "不想要了",
        "onsale",
        "WAIT_SELLER_SEND_GOODS",
    )
    assert refunds.loc[refunds["tid"] == "1000000002", "reason"].unique().tolist() == ["商品与描述不符"]


def test_taobao_trade_report_one_row_per_order():
    trades = export_tables(EVENTS, FACTS, "taobao")["trades.csv"]
    columns = ["tid", "status", "pay_time", "consign_time", "end_time", "payment", "category", "free_shipping"]
    assert [tuple(row) for row in trades[columns].itertuples(index=False)] == [
        ("1000000001", "TRADE_CLOSED", "2026-03-04 20:00:00", "", "2026-03-05 20:00:00", "99.00", "apparel", "true"),
        ("1000000002", "TRADE_CLOSED", "2026-03-01 12:00:00", "2026-03-02 12:00:00", "2026-03-12 10:00:00", "199.00", "apparel", "false"),
        ("1000000003", "WAIT_BUYER_CONFIRM_GOODS", "2026-03-01 09:00:00", "2026-03-01 18:00:00", "", "59.00", "fresh", "true"),
        ("1000000004", "WAIT_BUYER_CONFIRM_GOODS", "2026-03-01 10:00:00", "2026-03-02 10:00:00", "", "300.00", "electronics", "true"),
    ]  # fmt: skip


def test_wechat_after_sale_orders_one_object_per_change():
    tables = export_tables(EVENTS, FACTS, "wechat")
    objects = [
        json.loads(line)
        for line in render("aftersale_orders.jsonl", tables["aftersale_orders.jsonl"]).decode().splitlines()
    ]
    rows = [
        (o["after_sale_order_id"], o["status"], o["type"], o["update_time"], o["refund_info"]["amount"], o["refund_info"].get("refund_reason"))
        for o in objects
    ]  # fmt: skip
    assert rows == [
        ("100000000101", "MERCHANT_PROCESSING", "REFUND", _unix("2026-03-05 10:00:00"), 9900, None),
        ("100000000101", "PLATFORM_REFUNDING", "REFUND", _unix("2026-03-05 20:00:00"), 9900, 1),
        ("100000000101", "MERCHANT_REFUND_SUCCESS", "REFUND", _unix("2026-03-05 20:00:00"), 9900, 1),
        ("100000000201", "MERCHANT_PROCESSING", "RETURN", _unix("2026-03-06 10:00:00"), 19900, None),
        ("100000000201", "MERCHANT_REJECT_RETURN", "RETURN", _unix("2026-03-06 15:00:00"), 19900, None),
        ("100000000201", "USER_WAIT_RETURN", "RETURN", _unix("2026-03-08 10:00:00"), 19900, 5),
        ("100000000201", "MERCHANT_WAIT_RECEIPT", "RETURN", _unix("2026-03-09 10:00:00"), 19900, 5),
        ("100000000201", "PLATFORM_REFUNDING", "RETURN", _unix("2026-03-12 10:00:00"), 19900, 1),
        ("100000000201", "MERCHANT_RETURN_SUCCESS", "RETURN", _unix("2026-03-12 10:00:00"), 19900, 1),
        ("100000000301", "MERCHANT_PROCESSING", "REFUND", _unix("2026-03-05 09:00:00"), 5900, None),
        ("100000000301", "PLATFORM_REFUNDING", "REFUND", _unix("2026-03-08 09:00:00"), 5900, 9),
        ("100000000301", "MERCHANT_REFUND_SUCCESS", "REFUND", _unix("2026-03-08 09:00:00"), 5900, 9),
    ]
    assert {o["after_sale_order_id"]: o["reason"] for o in objects} == {
        "100000000101": "10000000",  # 不想要了
        "100000000201": "10000011",  # 与商品描述不符
        "100000000301": "10000021",  # 质量问题
    }
    assert objects[0]["create_time"] == _unix("2026-03-05 10:00:00")
    assert objects[0]["product_info"] == {"product_id": "10000001000", "sku_id": "10000001001", "count": 1}


def test_wechat_order_list_one_object_per_order():
    tables = export_tables(EVENTS, FACTS, "wechat")
    orders = [json.loads(line) for line in render("orders.jsonl", tables["orders.jsonl"]).decode().splitlines()]
    assert orders[1] == {
        "order_id": "1000000002",
        "status": 200,
        "create_time": _unix("2026-03-01 12:00:00"),
        "update_time": _unix("2026-03-12 10:00:00"),
        "order_detail": {
            "product_infos": [
                {"product_id": "10000001000", "sku_id": "10000001001", "sku_cnt": 1, "sale_price": 19900}
            ],
            "price_info": {"product_price": 19900, "order_price": 19900},
            "pay_info": {"pay_time": _unix("2026-03-01 12:00:00")},
            "delivery_info": {"ship_done_time": _unix("2026-03-02 12:00:00")},
        },
        "category": "apparel",
        "channel": "normal",
        "free_shipping": False,
    }
    assert [o["status"] for o in orders] == [200, 200, 30, 30]
    assert "delivery_info" not in orders[0]["order_detail"]


def test_simkit_events_carry_the_facts_on_the_pay_row():
    events = export_tables(EVENTS, FACTS, "simkit")["events.csv"]
    pay = events.loc[(events["order_id"] == 2) & (events["concept:name"] == "pay")].iloc[0]
    assert (pay["time:timestamp"], pay["category"], pay["price"], pay["channel"], pay["free_shipping"], pay["paid_at"]) == (
        "2026-03-01T12:00:00+08:00", "apparel", "199.00", "normal", "false", "2026-03-01T12:00:00+08:00"
    )  # fmt: skip
    ship = events.loc[(events["order_id"] == 2) & (events["concept:name"] == "ship")].iloc[0]
    assert (ship["category"], ship["price"], ship["paid_at"]) == ("", "", "")
    assert len(events) == len(EVENTS)


def test_write_export_writes_the_files_as_a_set(tmp_path: Path):
    written = write_export(EVENTS, FACTS, "taobao", tmp_path / "tb")
    assert [p.name for p in written] == ["refunds.csv", "trades.csv"]
    assert sorted(p.name for p in (tmp_path / "tb").iterdir()) == ["refunds.csv", "trades.csv"]
    text = (tmp_path / "tb" / "refunds.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == (
        "refund_id,tid,oid,status,order_status,good_status,has_good_return,cs_status,refund_phase,reason,"
        "refund_fee,total_fee,payment,num,created,modified,pay_time"
    )
    again = write_export(EVENTS, FACTS, "taobao", tmp_path / "tb")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


def test_unknown_shape_is_bad_input():
    with pytest.raises(UsageError) as info:
        export_tables(EVENTS, FACTS, "shopee")
    assert str(info.value) == "<python>: shape: unknown export shape 'shopee'; use one of simkit, taobao, wechat"
    assert SHAPES == ("simkit", "taobao", "wechat")


def test_facts_of_several_runs_need_the_run():
    two = pd.concat([EVENTS, EVENTS.assign(run_id="shop-s1-r1")], ignore_index=True)
    with pytest.raises(UsageError) as info:
        export_tables(two, FACTS, "taobao")
    assert str(info.value) == "<python>: facts: the events hold several runs: the facts need a run_id column"
    both = pd.concat([FACTS.assign(run_id=RUN), FACTS.assign(run_id="shop-s1-r1")], ignore_index=True)
    trades = export_tables(two, both, "taobao")["trades.csv"]
    assert trades["tid"].tolist()[-2:] == ["2000000003", "2000000004"]  # run 2's orders: 2 × 10⁹ + order id


def test_times_keep_china_summer_time_before_1992():
    from simkit.logs.export import _iso, _local

    # 2026-03-05 02:00 UTC is 10:00 in China (UTC+8 all year since 1992).
    assert (_iso(1772676000), _local(1772676000)) == ("2026-03-05T10:00:00+08:00", "2026-03-05 10:00:00")
    # 1988-07-01 12:00 UTC: China kept summer time (UTC+9) from April to September 1988.
    assert (_iso(583761600), _local(583761600)) == ("1988-07-01T21:00:00+09:00", "1988-07-01 21:00:00")
