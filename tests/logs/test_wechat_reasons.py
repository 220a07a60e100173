"""WeChat after-sale reason codes read back as the reasons they name (the list ``aftersale/reason/get`` returns).

Expected values are the code list's own words, written out here: 10000005 少件/漏发, 10000010
商家未按约定时间发货, 10000011 与商品描述不符, 10000019 7天无理由, 10000033 假冒产品, 10000040
包装/商品破损/污渍/裂痕/变形.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.logs import LogOrders

CODES = {
    "10000005": "missing_parts",  # 少件/漏发
    "10000010": "late_shipment",  # 商家未按约定时间发货
    "10000011": "not_as_described",  # 与商品描述不符
    "10000019": "no_reason",  # 7天无理由
    "10000033": "counterfeit",  # 假冒产品
    "10000040": "damaged",  # 包装/商品破损/污渍/裂痕/变形
}


@pytest.mark.parametrize(("code", "reason"), sorted(CODES.items()))
def test_a_documented_reason_code_reads_as_its_reason(tmp_path: Path, code: str, reason: str) -> None:
    record = {
        "after_sale_order_id": "9001",
        "order_id": "42",
        "status": "MERCHANT_PROCESSING",
        "type": "RETURN",
        "reason": code,
        "create_time": 1772416800,
        "update_time": 1772416800,
        "refund_info": {"amount": 19900},
    }
    log = tmp_path / "aftersale_orders.jsonl"
    log.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with LogOrders(log, "wechat") as orders:
        cases = [case for order in orders for case in order.cases]
    assert [(case.case_id, case.reason) for case in cases] == [("9001", reason)]
