"""The event-log format the audit reads, and the presets for the platforms' own export shapes.

A log has one row per event (the ``simkit`` shape, as `simkit run --out` writes it) or one
row per snapshot of an after-sale record (the ``taobao`` and ``wechat`` shapes: each row is
the record as it stood at its modification time; the audit turns the sequence of snapshots
of one record into events). Every shape is mapped onto the same canonical fields (`FIELDS`);
``--map column=field`` maps any other column. The full description is docs/log-format.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from simkit.errors import UsageError

FieldKind = Literal["text", "int", "number", "bool", "time"]

FIELDS: dict[str, FieldKind] = {
    "run_id": "text",
    "case_id": "text",
    "order_id": "text",
    "case_no": "int",
    "time": "time",
    "activity": "text",
    "actor": "text",
    "status": "text",
    "cs_status": "int",
    "kind": "text",
    "reason": "text",
    "amount": "number",
    "amount_form": "text",
    "rule": "text",
    "item_id": "text",
    "category": "text",
    "price": "number",
    "free_shipping": "bool",
    "channel": "text",
    "paid_at": "time",
    "presale_ship_by": "time",
    "created": "time",
    "refund_reason": "text",
    "return_shipped_at": "time",
}
"""Canonical fields and their kinds. Order facts (category … presale_ship_by) may stand on
any row of the order; the first value given is used."""

LIFECYCLE = frozenset({"pay", "ship", "deliver", "confirm_receipt", "auto_confirm", "settle", "close_trade"})
"""Activities of the order's own lifecycle."""

AFTER_SALE = frozenset(
    {
        "request",
        "agree",
        "auto_agree",
        "approve",
        "refuse",
        "offer_compensation",
        "accept_offer",
        "decline_offer",
        "ship_return",
        "return_delivered",
        "confirm_return",
        "auto_refund",
        "auto_confirm_return",
        "refund",
        "close_return",
        "close",
        "cancel",
        "request_intervention",
        "intervene",
        "buyer_wins",
        "merchant_wins",
        "penalty_points",
        "pay_compensation",
        "claim_compensation",
        "reject_claim",
        "ship_replacement",
        "deliver_replacement",
        "return_repaired",
        "deliver_repaired",
        "contact_merchant",
        "decline_over_period",
        "reopen_entry",
        "not_refiled",
        "extend_after_sale",
        "cannot_extend",
        "file_complaint",
        "withdraw_complaint",
        "uphold_complaint",
        "dismiss_complaint",
        "duty_ended",
        "handle_after_exit",
        "status_change",
    }
)
"""Activities of after-sale cases (``approve``, ``close`` and ``status_change`` come from
snapshot shapes, where the export does not say who acted)."""

ACTIVITIES = LIFECYCLE | AFTER_SALE

CHANNELS = frozenset({"normal", "juhuasuan", "presale"})
"""Sales channels an order fact may name (the shipping promise differs per channel)."""

KINDS = frozenset(
    {
        "refund_only",
        "return_refund",
        "exchange",
        "repair",
        "late_shipment_compensation",
        "rule_complaint",
        "reopen_entry",
        "extend_after_sale",
    }
)


@dataclass(frozen=True)
class Preset:
    """How one export shape maps onto the canonical fields.

    Attributes:
        name: ``simkit``, ``taobao`` or ``wechat``.
        columns: Raw column → field; when several columns name one field, the first present wins.
        required: Fields every row needs.
        snapshot: Rows are snapshots of an after-sale record, not events.
        amount_scale: Multiplies amounts (WeChat exports fen: 0.01).
        kinds: Raw kind values → simkit kinds.
        reasons: Raw reason values → simkit reasons (others are kept as written).
        epoch_unit: Unit of numeric timestamps (``s`` or ``ms``).
    """

    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    snapshot: bool = False
    amount_scale: float = 1.0
    kinds: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    epoch_unit: str = "s"


SIMKIT = Preset(
    "simkit",
    {
        "run_id": "run_id",
        "case:concept:name": "case_id",
        "case_id": "case_id",
        "order_id": "order_id",
        "case_no": "case_no",
        "time:timestamp": "time",
        "time": "time",
        "concept:name": "activity",
        "activity": "activity",
        **{name: name for name in FIELDS if name not in ("case_id", "time", "activity")},
    },
    ("case_id", "order_id", "time", "activity"),
)

TAOBAO_REASONS = {
    "七天无理由退换货": "no_reason",
    "7天无理由退换货": "no_reason",
    "七天无理由退货": "no_reason",
    "不想要了": "changed_mind",
    "拍错/多拍/不想要": "changed_mind",
    "拍错了/订单信息错误": "changed_mind",
    "多拍/拍错/不想要": "changed_mind",
    "质量问题": "quality",
    "商品质量问题": "quality",
    "收到商品与描述不符": "not_as_described",
    "商品与描述不符": "not_as_described",
    "描述不符": "not_as_described",
    "少件/漏发": "missing_parts",
    "少件漏发": "missing_parts",
    "卖家发错货": "wrong_item",
    "发错货": "wrong_item",
    "商品破损": "damaged",
    "收到商品破损": "damaged",
    "未按约定时间发货": "late_shipment",
    "卖家缺货": "out_of_stock",
    "缺货": "out_of_stock",
    "未收到货": "not_received",
    "假冒品牌": "counterfeit",
    "发票问题": "invoice",
}
"""Taobao's refund reason texts (退款原因) as exported, seed:004's list of reasons."""

TAOBAO = Preset(
    "taobao",
    {
        "refund_id": "case_id",
        "tid": "order_id",
        "oid": "item_id",
        "modified": "time",
        "created": "created",
        "status": "status",
        "cs_status": "cs_status",
        "refund_fee": "amount",
        "total_fee": "price",
        "payment": "price",
        "has_good_return": "kind",
        "reason": "reason",
        "pay_time": "paid_at",
        "good_return_time": "return_shipped_at",
    },
    ("case_id", "order_id", "time", "created", "status"),
    snapshot=True,
    kinds={"true": "return_refund", "1": "return_refund", "false": "refund_only", "0": "refund_only"},
    reasons=TAOBAO_REASONS,
)
"""Taobao refund records (taobao:api Refund): ``refund_id`` the case, ``tid`` the order, ``oid``
the sub-order, ``created`` the request, ``modified`` the snapshot's time, ``refund_fee`` CNY,
``has_good_return`` return or refund only, ``cs_status`` platform intervention, ``good_return_time``
when the buyer shipped the return (退货时间)."""

WECHAT_REASONS = {
    "10000000": "changed_mind",
    "10000002": "changed_mind",
    "NO_LONGER_WANT": "changed_mind",
    "10000001": "out_of_stock",
    "10000005": "missing_parts",
    "10000006": "wrong_item",
    "10000007": "not_received",
    "10000015": "not_received",
    "10000017": "not_received",
    "10000010": "late_shipment",
    "10000011": "not_as_described",
    "10000019": "no_reason",
    "10000021": "quality",
    "10000033": "counterfeit",
    "10000040": "damaged",
}
"""WeChat after-sale reason codes (wx:api, the list ``aftersale/reason/get`` returns: 10000000 不想要了,
10000002 拍错/多拍, 10000001 缺货, 10000005 少件/漏发, 10000006 卖家发错货, 10000007 未收到商品,
10000015 快递长时间未送达, 10000017 物流无跟踪记录, 10000010 商家未按约定时间发货, 10000011 与商品描述不符,
10000019 7天无理由, 10000021 质量问题, 10000033 假冒产品, 10000040 包装/商品破损/污渍/裂痕/变形). The
export writes the first code listed for each reason."""

WECHAT = Preset(
    "wechat",
    {
        "after_sale_order_id": "case_id",
        "order_id": "order_id",
        "original_order_id": "order_id",
        "update_time": "time",
        "create_time": "created",
        "status": "status",
        "type": "kind",
        "refund_info.amount": "amount",
        "refund_info.refund_reason": "refund_reason",
        "product_info.product_id": "item_id",
        "reason": "reason",
    },
    ("case_id", "order_id", "time", "created", "status", "kind"),
    snapshot=True,
    amount_scale=0.01,
    kinds={"REFUND": "refund_only", "RETURN": "return_refund", "EXCHANGE": "exchange"},
    reasons=WECHAT_REASONS,
)
"""WeChat store after-sale orders (wx:api getaftersaleorder): ``after_sale_order_id`` the case,
``create_time`` / ``update_time`` unix seconds, ``type`` REFUND / RETURN / EXCHANGE,
``refund_info.amount`` in fen, ``refund_info.refund_reason`` the code that records timeouts."""

PRESETS: dict[str, Preset] = {p.name: p for p in (SIMKIT, TAOBAO, WECHAT)}


def parse_maps(items: Iterable[str]) -> dict[str, str]:
    """``--map column=field`` items as a mapping.

    Raises:
        UsageError: On an item without ``=``, an unknown field (with a suggestion), or two
            items for the same column or the same field (one would silently override the other).
    """
    out: dict[str, str] = {}
    for item in items:
        column, sep, name = item.partition("=")
        column, name = column.strip(), name.strip()
        if not sep or not column or not name:
            raise UsageError.at("<cli>", 0, "--map", f"expected column=field, got {item!r}")
        if column in out:
            raise UsageError.at(
                "<cli>", 0, "--map", f"column {column!r} is mapped twice ({out[column]!r} and {name!r}); map it once"
            )
        out[column] = name
    return check_maps(out)


def check_maps(maps: Mapping[str, str]) -> dict[str, str]:
    """Column → field mappings, checked: known fields, each field from one column only.

    Raises:
        UsageError: On an unknown field (with a suggestion) or a field mapped from two columns.
    """
    fields: dict[str, str] = {}
    for column, name in maps.items():
        if name not in FIELDS:
            close = difflib.get_close_matches(name, list(FIELDS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError.at("<cli>", 0, "--map", f"unknown field {name!r}{hint}; fields: {', '.join(FIELDS)}")
        if name in fields:
            raise UsageError.at(
                "<cli>",
                0,
                "--map",
                f"field {name!r} is mapped from two columns ({fields[name]!r} and {column!r}); map it once",
            )
        fields[name] = column
    return dict(maps)


def resolve_columns(preset: Preset, header: Iterable[str], maps: Mapping[str, str]) -> dict[str, str]:
    """Raw column → field for the columns present: the preset's, overridden by `maps`.

    A field mapped explicitly by `maps` is no longer taken from the preset's column.
    """
    present = list(header)
    out: dict[str, str] = {}
    taken = set(maps.values())
    for column, name in preset.columns.items():
        if column in present and name not in taken and name not in out.values():
            out[column] = name
    for column, name in maps.items():
        out[column] = name
    return out


def candidate_columns(preset: Preset, maps: Mapping[str, str]) -> dict[str, str]:
    """Every raw column that may name a field (records of JSON Lines differ in their keys).

    Several columns may name one field; the reader takes the first one a record gives, in the
    preset's order. A field mapped explicitly by `maps` is taken from its mapped column only.
    """
    taken = set(maps.values())
    out = {column: name for column, name in preset.columns.items() if name not in taken}
    out.update(maps)
    return out


SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("taobao", ("refund_id", "tid")),
    ("wechat", ("after_sale_order_id",)),
)
"""Columns that mark a platform's export shape (any one of them)."""


def detect_shape(header: Iterable[str], maps: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """The shape a header fits, with the columns that told it; None when it fits none.

    ``refund_id`` or ``tid`` → taobao; ``after_sale_order_id`` → wechat; a case and an activity
    column (``case_id`` / ``case:concept:name`` and ``activity`` / ``concept:name``, or columns
    ``--map`` names so) → simkit; checked in that order.
    """
    present = list(dict.fromkeys(header))
    for shape, marks in SIGNATURES:
        found = [column for column in marks if column in present]
        if found:
            return shape, found
    columns = resolve_columns(SIMKIT, present, {c: f for c, f in maps.items() if c in present})
    by_field = {name: column for column, name in columns.items()}
    if "case_id" in by_field and "activity" in by_field:
        return "simkit", [by_field["case_id"], by_field["activity"]]
    return None


def signature_text() -> str:
    """The columns each shape is recognised by, for a refusal."""
    marks = "; ".join(f"{shape}: {' or '.join(columns)}" for shape, columns in SIGNATURES)
    return f"{marks}; simkit: case_id (or case:concept:name) and activity (or concept:name)"
