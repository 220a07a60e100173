# ruff: noqa: E501  (expected rows are written one per line, as the platform exports them)
"""Reading a shop's orders file (Taobao trade report, WeChat order list, or a simkit log's facts)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from simkit.errors import LogError, Problem
from simkit.logs.facts import read_order_facts

TRADES = (
    "tid,status,created,pay_time,consign_time,end_time,modified,total_fee,payment,num,category,channel,free_shipping,presale_ship_by\n"
    "1001,TRADE_FINISHED,2026-03-01 12:00:00,2026-03-01 12:00:00,2026-03-02 09:30:00,2026-03-12 09:30:00,2026-03-12 09:30:00,199.00,189.00,1,apparel,normal,true,\n"
    "1002,WAIT_SELLER_SEND_GOODS,2026-03-02 08:00:00,2026-03-02 08:00:00,,,2026-03-02 08:00:00,59.00,59.00,1,fresh,presale,false,2026-03-12 08:00:00\n"
)  # fmt: skip


def test_taobao_trade_report(tmp_path: Path):
    path = tmp_path / "trades.csv"
    path.write_text(TRADES, encoding="utf-8")
    facts = read_order_facts(path, "taobao")
    assert facts["order_id"].tolist() == ["1001", "1002"]
    assert facts["paid_at"].tolist() == [
        pd.Timestamp("2026-03-01 12:00:00", tz="Asia/Shanghai"),
        pd.Timestamp("2026-03-02 08:00:00", tz="Asia/Shanghai"),
    ]
    assert str(facts["paid_at"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert facts["price"].tolist() == [189.0, 59.0]  # payment (实付), not total_fee
    assert facts["category"].tolist() == ["apparel", "fresh"]
    assert facts["channel"].tolist() == ["normal", "presale"]
    assert facts["free_shipping"].tolist() == [True, False]
    assert facts["shipped_at"].iloc[0] == pd.Timestamp("2026-03-02 09:30:00", tz="Asia/Shanghai")
    assert pd.isna(facts["shipped_at"].iloc[1])
    assert facts["delivered_at"].isna().all()  # the trade report records no delivery
    assert facts["presale_ship_by"].iloc[1] == pd.Timestamp("2026-03-12 08:00:00", tz="Asia/Shanghai")


def test_wechat_order_list_fen_and_unix_seconds(tmp_path: Path):
    order = {
        "order_id": "3701",
        "status": 100,
        "create_time": 1772337600,
        "update_time": 1772337600,
        "order_detail": {
            "price_info": {"product_price": 19900, "order_price": 18900},
            "pay_info": {"pay_time": 1772337600},
            "delivery_info": {"ship_done_time": 1772415000},
        },
        "category": "apparel",
    }
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(order) + "\n", encoding="utf-8")
    facts = read_order_facts(path, "wechat")
    # 1772337600 is 2026-03-01 12:00:00 in China (UTC+8); 18900 fen is 189.00 CNY.
    assert facts.iloc[0]["paid_at"] == pd.Timestamp("2026-03-01 12:00:00", tz="Asia/Shanghai")
    assert facts.iloc[0]["shipped_at"] == pd.Timestamp("2026-03-02 09:30:00", tz="Asia/Shanghai")
    assert facts.iloc[0]["price"] == 189.0
    assert facts.iloc[0]["category"] == "apparel"
    assert facts.iloc[0]["channel"] is None
    assert pd.isna(facts.iloc[0]["free_shipping"])


def test_malformed_rows_are_reported_with_their_line(tmp_path: Path):
    path = tmp_path / "trades.csv"
    lines = TRADES.splitlines()
    path.write_text(
        "\n".join(
            [
                *lines,
                "1003,TRADE_FINISHED,x,2026-03-33 10:00:00,,,x,10,10,1,apparel,normal,true,",
                "1004,short",
                "",
                ",TRADE_FINISHED,x,2026-03-03 10:00:00,,,x,10,ten,1,apparel,normal,maybe,",
                "1005,TRADE_FINISHED,x,2026-03-03 11:00:00,,,x,10,12.5,1,apparel,normal,true,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    problems: list[Problem] = []
    facts = read_order_facts(path, "taobao", problems=problems)
    assert [str(p) for p in problems] == [
        f"{path}:4: pay_time: not a valid time: '2026-03-33 10:00:00'",
        f"{path}:5: row: malformed row: expected 14 fields, found 2",
        f"{path}:6: row: malformed row: empty line",
        f"{path}:7: payment: not a valid number: 'ten'",
        f"{path}:7: free_shipping: not a valid bool: 'maybe'",
        f"{path}:7: tid: required value is missing",
    ]
    assert facts["order_id"].tolist() == ["1001", "1002", "1005"]
    assert facts["price"].tolist() == [189.0, 59.0, 12.5]
    with pytest.raises(LogError) as info:
        read_order_facts(path, "taobao")
    assert str(info.value).splitlines()[0] == f"{path}:4: pay_time: not a valid time: '2026-03-33 10:00:00'"


def test_json_lines_that_are_not_json(tmp_path: Path):
    path = tmp_path / "orders.jsonl"
    good = {"order_id": "1", "order_detail": {"pay_info": {"pay_time": 1772337600}}}
    path.write_text(json.dumps(good) + "\n{not json\n[1, 2]\n", encoding="utf-8")
    problems: list[Problem] = []
    facts = read_order_facts(path, "wechat", problems=problems)
    assert [str(p) for p in problems] == [
        f"{path}:2: row: malformed row: not JSON (Expecting property name enclosed in double quotes)",
        f"{path}:3: row: malformed row: not a JSON object",
    ]
    assert facts["order_id"].tolist() == ["1"]


def test_unreadable_files_are_bad_input(tmp_path: Path):
    with pytest.raises(LogError) as info:
        read_order_facts(tmp_path / "nope.csv", "taobao")
    assert str(info.value) == f"{tmp_path / 'nope.csv'}: <root>: no such file"
    wrong = tmp_path / "orders.csv"
    wrong.write_text("order,paid\n1,2026-03-01 10:00:00\n", encoding="utf-8")
    with pytest.raises(LogError) as info:
        read_order_facts(wrong, "taobao")
    assert str(info.value) == f"{wrong}:1: tid: required column missing for taobao order facts; columns: order, paid"
    excel = tmp_path / "orders.xlsx"
    excel.write_bytes(b"PK")
    with pytest.raises(LogError) as info:
        read_order_facts(excel, "taobao")
    assert str(info.value) == f"{excel}: <root>: unknown orders file type '.xlsx': use .csv or .jsonl"


def test_the_planted_shop_facts_agree_across_the_three_shapes():
    # One shop, three exports: the order facts read from each must be the same orders with the
    # same payment time, price, category and shipment (ids differ: tid = 10⁹ + the simkit order id).
    examples = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "planted_shop"
    simkit_facts = read_order_facts(examples / "simkit" / "events.csv", "simkit")
    taobao = read_order_facts(examples / "taobao" / "trades.csv", "taobao")
    wechat = read_order_facts(examples / "wechat" / "orders.jsonl", "wechat")
    assert len(simkit_facts) == len(taobao) == len(wechat) > 1500
    ids = pd.Series([str(10**9 + int(o)) for o in simkit_facts["order_id"]], dtype=object)
    simkit_facts = simkit_facts.assign(order_id=ids)
    columns = ["order_id", "paid_at", "price", "category", "channel", "free_shipping", "shipped_at"]
    by_id = [f[columns].sort_values("order_id").reset_index(drop=True) for f in (simkit_facts, taobao, wechat)]
    pd.testing.assert_frame_equal(by_id[0], by_id[1])
    pd.testing.assert_frame_equal(by_id[0], by_id[2])
    assert simkit_facts["delivered_at"].notna().sum() > 1500  # only the event log records deliveries
    assert taobao["delivered_at"].isna().all() and wechat["delivered_at"].isna().all()


def test_times_parsed_at_once_are_the_times_parse_time_gives() -> None:
    from simkit.logs.facts import _known_times, parse_time

    raw = [
        "2026-03-01 00:00:00",
        "2026-03-01 23:59:59",
        "2024-02-29 12:30:05",
        "1995-07-01 08:00:00",
        1_772_294_400,
        1_000_000_000,
    ]
    rows = [(i + 2, {"pay_time": value, "consign_time": "2026-02-30 10:00:00"}) for i, value in enumerate(raw)]
    known = _known_times(rows, {"paid_at": "pay_time", "shipped_at": "consign_time", "order_id": "tid"})
    assert set(known) == set(raw)  # the impossible 30 February is left to parse_time, which refuses it
    for value in raw:
        assert known[value] == parse_time(value)
        assert str(known[value].tz) == "Asia/Shanghai"
    assert parse_time("2026-02-30 10:00:00") is None
    assert str(known["2026-03-01 00:00:00"]) == "2026-03-01 00:00:00+08:00"
    assert str(known[1_772_294_400]) == "2026-03-01 00:00:00+08:00"
