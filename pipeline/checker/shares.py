"""Stated shares (占X%) against part / basis, shares of one breakdown summing to 100, and nudged shares."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipeline.checker.base import MAX_PAIRS, Ctx, Nearby
from pipeline.checker.identity import evaluate, name
from pipeline.checker.interval import HUNDRED, Interval, Q, fmt, half_ulp, tol, total
from pipeline.checker.labels import label
from schemas.document import Severity

INCOME = (
    "inc_general_budget",
    "inc_gov_fund",
    "inc_state_capital",
    "inc_fiscal",
    "inc_superior_subsidy",
    "inc_business",
    "inc_operating",
    "inc_affiliated",
    "inc_other",
)
EXPENDITURE = (
    "exp_basic",
    "exp_project",
    "exp_reserve",
    "exp_remit_superior",
    "exp_operating",
    "exp_affiliated_subsidy",
)
SANGONG = ("sg_overseas", "sg_vehicle", "sg_reception")
VEHICLE = ("sg_vehicle_operation", "sg_vehicle_purchase")


def basis(concept: str) -> tuple[str, ...]:
    """The totals a share of this concept may be taken of (goldens/README.md); the share holds against any."""
    if concept in INCOME:
        return ("income_total",)
    if concept in EXPENDITURE or concept == "gb_expenditure":
        return ("expenditure_total",)
    if concept.startswith("func:"):
        return ("gb_expenditure", "expenditure_total")
    if concept in SANGONG:  # some reports give the shares of the 三公、会议费、培训费 total under the 三公 name
        return ("sangong_total", "sangong_meeting_training_total")
    if concept in VEHICLE:
        return ("sangong_total", "sg_vehicle", "sangong_meeting_training_total")
    if concept.startswith("proc_"):
        return ("procurement_total",)
    return ()


def group(concept: str) -> tuple[str, ...] | None:
    """The breakdown whose shares must sum to 100, or None."""
    for g in (INCOME, EXPENDITURE, SANGONG):
        if concept in g:
            return g
    if concept.startswith("func:"):
        return ("func:",)
    return None


def _members(ctx: Ctx, g: tuple[str, ...], period: str, scope: str | None) -> list[str]:
    if g == ("func:",):
        return sorted(
            {
                k[0]
                for k in ctx.keys()
                if k[0].startswith("func:") and len(k[0]) == 8 and k[1] == period and k[3] == scope and k[2] == "share"
            }
        )
    members = [c for c in g if ctx.get(c, period, "share", scope)]
    if g == SANGONG and "sg_vehicle" not in members and ctx.get("sg_vehicle_operation", period, "share", scope):
        members.append("sg_vehicle_operation")  # 公务用车运行维护费占X% where nothing is bought: the vehicle share
    return members


def ratio(part: Q, whole: Q) -> Interval | None:
    """Compute part / whole × 100 as an interval (None when the whole may be zero)."""
    r = part.iv.div(whole.iv)
    return None if r is None else r.scale(HUNDRED)


def check_shares(ctx: Ctx) -> None:
    """Each stated share against its part and basis."""
    for concept, period, measure, scope in ctx.keys():
        if measure != "share":
            continue
        parts = ctx.get(concept, period, "amount", scope)
        for named in (False, True):
            shares = [s for s in ctx.get(concept, period, "share", scope) if _names_sangong(s) == named]
            if not shares:
                continue
            bases = [b for b in basis(concept) if not (named and b == "sg_vehicle")]
            wholes = [w for b in bases for w in ctx.get(b, period, "amount", scope)] or _sangong_sum(
                ctx, concept, period, scope
            )
            near = (Nearby(parts), Nearby(wholes)) if len(parts) * len(wholes) > MAX_PAIRS else None
            for share in shares:
                _check_share(ctx, share, parts, wholes, near)


_OF_SANGONG = re.compile(r"占[^，,。；;%\d]{0,12}三公")


def _names_sangong(share: Q) -> bool:
    """A 公务用车 share its sentence says is taken of the 三公 total (占“三公”经费的51.93%), not of 公务用车购置及运行费."""
    return share.fact.concept in VEHICLE and _OF_SANGONG.search(share.fact.text or "") is not None


@dataclass(frozen=True)
class Summed(Q):
    """A basis the report does not state, as the sum of the parts it does (三公 = 出国 + 公车 + 接待)."""

    parts: tuple[Q, ...] = ()


def _sangong_sum(ctx: Ctx, concept: str, period: str, scope: str | None) -> list[Q]:
    """The 三公 total as the sum of its three parts, when the report states the parts but not the total.

    Only when the stated shares of the three sum to 100: shares that do not were taken of some other total.
    """
    if concept not in SANGONG + VEHICLE:
        return []
    parts = [ctx.get(c, period, "amount", scope) for c in SANGONG]
    members = _members(ctx, SANGONG, period, scope)
    shares = total([ctx.get(c, period, "share", scope)[0].iv for c in members])
    if not all(parts) or len(members) < len(SANGONG) or not shares.lo <= HUNDRED <= shares.hi:
        return []
    qs = tuple(p[0] for p in parts)
    value = sum((q.value for q in qs), Decimal(0))
    return [Summed(qs[0].fact, value, total([q.iv for q in qs]), max(q.decimals for q in qs), qs[0].scale, qs)]


def _whole_name(whole: Q) -> str:
    if isinstance(whole, Summed):
        listed = " + ".join(name(q) for q in whole.parts)
        return f"“三公”经费（{listed} = {fmt(whole.value, whole.decimals)}万元）"
    return name(whole)


def _check_share(ctx: Ctx, share: Q, parts: list[Q], wholes: list[Q], near: tuple[Nearby, Nearby] | None) -> None:
    if near is not None:  # too many pairings (a file of many reports): the statements around the share
        parts, wholes = near[0].nearest(share.fact.span[0]), near[1].nearest(share.fact.span[0])
    best: tuple[Decimal, Q, Q, Interval] | None = None
    for part, whole in itertools.product(parts, wholes):
        r = ratio(part, whole)
        if r is None:
            continue
        gap = share.iv.gap(r)
        if best is None or gap < best[0]:
            best = (gap, part, whole, r)
    if best is None:
        return
    gap, part, whole, r = best
    point = part.value / whole.value * HUNDRED
    rounded = point.quantize(Decimal(1).scaleb(-share.decimals), rounding=ROUND_HALF_UP)
    if gap == 0 and abs(point - share.value) <= half_ulp(share.decimals):
        return
    one_ulp = abs(rounded - share.value) == Decimal(1).scaleb(-share.decimals)
    nudged = one_ulp and _group_sums_to_100(ctx, share)
    if gap == 0 and not nudged:
        return
    severity: Severity = "warning" if nudged else "error"
    why = "（为使各项占比合计100%而调整了尾数）" if nudged else ""
    msg = f"{name(share)} ≠ {name(part)} / {_whole_name(whole)} = {fmt(point, share.decimals + 2)}%{why}"
    ctx.emit(
        "share.stated",
        severity,
        msg,
        [share, part, *(whole.parts if isinstance(whole, Summed) else [whole])],
        expected=fmt(rounded, share.decimals),
        actual=share.fact.value,
        tolerance=tol(share.iv.half + r.half),
    )


def _group_sums_to_100(ctx: Ctx, share: Q) -> bool:
    f = share.fact
    g = group(f.concept)
    if g is None:
        return False
    values = [ctx.get(c, f.period, "share", f.scope)[0].value for c in _members(ctx, g, f.period, f.scope)]
    return len(values) > 1 and sum(values, Decimal(0)) == HUNDRED


def check_sum_100(ctx: Ctx) -> None:
    """The shares of one breakdown: never above 100; below 100 only when every listed part carries a share."""
    seen = set()
    for concept, period, measure, scope in ctx.keys():
        g = group(concept)
        if measure != "share" or g is None or (g, period, scope) in seen:
            continue
        seen.add((g, period, scope))
        members = _members(ctx, g, period, scope)
        shares = [ctx.get(c, period, "share", scope)[0] for c in members]
        if len(shares) < 2:
            continue
        s = total([q.iv for q in shares])
        if s.lo <= HUNDRED <= s.hi or (s.hi < HUNDRED and not _complete(ctx, g, members, period, scope)):
            continue
        listed = " + ".join(f"{label(q.fact.concept)}{q.fact.value}%" for q in shares)
        stated = sum((q.value for q in shares), Decimal(0))
        ctx.emit(
            "share.sum_100",
            "error",
            f"各项占比合计 {listed} = {stated}% ≠ 100%",
            shares,
            expected="100",
            actual=format(stated, "f"),
            tolerance=tol(s.half),
        )


def _complete(ctx: Ctx, g: tuple[str, ...], members: list[str], period: str, scope: str | None) -> bool:
    """Every part with a stated amount has a share, and the amounts add up to the basis."""
    with_amount = [c for c in _members_with_amount(ctx, g, period, scope)]
    if not with_amount or set(with_amount) - set(members):
        return False
    wholes = next((w for w in (ctx.get(b, period, "amount", scope) for b in basis(with_amount[0])) if w), [])
    wholes = [w for w in wholes if w.iv.lo > 0]  # a share of zero is undefined
    o = evaluate(wholes, [ctx.get(c, period, "amount", scope) for c in with_amount])
    return o is not None and o.holds


def _members_with_amount(ctx: Ctx, g: tuple[str, ...], period: str, scope: str | None) -> list[str]:
    if g == ("func:",):
        return sorted(
            {
                k[0]
                for k in ctx.keys()
                if k[0].startswith("func:") and len(k[0]) == 8 and k[1] == period and k[3] == scope and k[2] == "amount"
            }
        )
    return [c for c in g if ctx.get(c, period, "amount", scope)]
