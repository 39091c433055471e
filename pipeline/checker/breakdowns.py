"""Classified breakdowns and listed parts.

Function classes, the 类/款/项 code hierarchy, economic classes of 基本支出, the classes listed for 项目支出,
projects against 项目支出, and other totals with parts listed after 其中 (共有车辆N辆，其中：… by category).
"""

from __future__ import annotations

import re
from decimal import Decimal

from pipeline.checker import textual
from pipeline.checker.base import Ctx, candidates
from pipeline.checker.identity import check_sum, evaluate, expected, name, tolerance
from pipeline.checker.interval import Interval, Q
from pipeline.lexicon import lexicon
from pipeline.textutil import no_spaces
from schemas.document import Severity

PERIODS = ("current", "budget", "prior")
LEVELS = {"func": (3, 5, 7), "econ": (3, 5)}


def codes(ctx: Ctx, family: str, period: str, scope: str | None) -> list[str]:
    """Codes of a family (func / econ) stated as amounts in a period and scope, e.g. ['208', '2080109']."""
    index = ctx.memo.get("codes")
    if index is None or index[0] != len(ctx.excluded):
        by: dict[tuple[str, str, str | None], set[str]] = {}
        for concept, p, measure, s in ctx.keys():
            kind, _, code = concept.partition(":")
            if measure == "amount" and code.isdigit():
                by.setdefault((kind, p, s), set()).add(code)
        index = ctx.memo["codes"] = (len(ctx.excluded), {k: sorted(v) for k, v in by.items()})
    return list(index[1].get((family, period, scope), []))


def parent(code: str, present: set[str], family: str) -> str | None:
    """The nearest ancestor of a code among the present codes (208 for 2080109 when 20801 is absent)."""
    for n in reversed(LEVELS.get(family, ())):
        if n < len(code) and code[:n] in present:
            return code[:n]
    return None


def top_level(present: list[str], family: str) -> list[str]:
    """Codes with no ancestor present."""
    s = set(present)
    return [c for c in present if parent(c, s, family) is None]


def _amounts(ctx: Ctx, family: str, items: list[str], period: str, scope: str | None) -> list[list[Q]]:
    return [ctx.get(f"{family}:{c}", period, "amount", scope) for c in items]


def check_hierarchy(ctx: Ctx) -> None:
    """类 = Σ 款 = Σ 项 (func) and 类 = Σ 款 (econ), within one period and scope."""
    # in a fixed order: the findings of two scopes may tie in the final sort, and a set's order varies per process
    scopes = sorted({k[3] for k in ctx.keys()}, key=lambda s: (s is None, s or ""))
    for family in LEVELS:
        for period in PERIODS:
            for scope in scopes:
                present = codes(ctx, family, period, scope)
                s = set(present)
                for code in present:
                    children = [c for c in present if parent(c, s, family) == code]
                    check_sum(
                        ctx,
                        "sum.code_hierarchy",
                        ctx.get(f"{family}:{code}", period, "amount", scope),
                        _amounts(ctx, family, children, period, scope),
                    )


_UNCHANGED = re.compile(r"^(万元|亿元|元)?[，,]?(与上年(预算)?数?(一致|持平|相同)|持平|无变化)")


def check_change_hierarchy(ctx: Ctx) -> None:
    """A class's stated change = Σ the changes of its items (类 增加X = Σ 项 增减), signed by direction.

    The items are those the budget figures show under the class; each needs a stated change, or an amount
    said to be 与上年一致 (a change of 0). The identity is an error when the class and its items count the same
    money (one fund, or the all-funds and 财政拨款 totals changed alike); a warning when their prior-year bases
    may differ (the 类 changes of the overview against the 项 changes of the 财政拨款 section).
    """
    changed = {c: _signed(ctx.get(f"func:{c}", "change")) for c in codes(ctx, "func", "change", None)}
    changed = {c: qs for c, qs in changed.items() if qs}
    if not changed:
        return
    budget = set(codes(ctx, "func", "budget", None)) | set(codes(ctx, "func", "current", None))
    zero = {c for c in budget - set(changed) if _said_unchanged(ctx, c)}
    stated = set(changed) | zero
    for code in sorted(changed):
        items = [c for c in stated if parent(c, stated | {code}, "func") == code]
        leaves = [
            c
            for c in budget
            if c.startswith(code) and c != code and not any(o.startswith(c) and o != c for o in budget)
        ]
        if not items or not leaves or not all(any(leaf.startswith(i) for i in items) for leaf in leaves):
            continue  # an item without a stated change: the class change cannot be split
        parts = [changed[c] for c in sorted(items) if c in changed]
        if not parts:
            continue
        severity: Severity = "error" if _same_basis(ctx, changed[code], parts) else "warning"
        check_sum(
            ctx,
            "sum.code_hierarchy",
            changed[code],
            parts,
            short=severity,
            over=severity,
            note="" if not zero & set(items) else "（" + "、".join(sorted(zero & set(items))) + "与上年一致计为0）",
        )


def _signed(qs: list[Q]) -> list[Q]:
    """Changes as signed figures (减少 X is −X); changes of unknown direction are left out."""
    out = []
    for q in qs:
        if q.fact.direction == "down":
            out.append(Q(q.fact, -q.value, -q.iv, q.decimals, q.scale))
        elif q.fact.direction in ("up", "flat"):
            out.append(q)
    return out


def _said_unchanged(ctx: Ctx, code: str) -> bool:
    """A prose amount of the class followed by 与上年一致 / 持平."""
    if ctx.text is None:
        return False
    for period in ("budget", "current"):
        for q in ctx.all(f"func:{code}", period):
            if q.fact.table is None and _UNCHANGED.match(no_spaces(ctx.text[q.fact.span[1] : q.fact.span[1] + 20])):
                return True
    return False


def _same_basis(ctx: Ctx, totals: list[Q], parts: list[list[Q]]) -> bool:
    """True when the class and its items count the same money (see check_change_hierarchy)."""
    funds = {q.fact.fund for q in totals} | {q.fact.fund for p in parts for q in p}
    if len(funds) <= 1:
        return True
    for whole, fiscal in (("grand_total", "fiscal_grand_total"), ("expenditure_total", "fiscal_expenditure")):
        a, b = _signed(ctx.get(whole, "change")), _signed(ctx.get(fiscal, "change"))
        if a and b:
            return any(x.iv.intersects(y.iv) for x in a for y in b)
    return False


def check_printed_codes(ctx: Ctx) -> None:
    """A table row whose printed code is no classification code, read by its name: the misprint is reported."""
    seen: set[str] = set()
    for key in ctx.keys():
        for q in ctx.all(*key):
            f = q.fact
            code = f.concept.partition(":")[2]
            if (
                f.row_code
                and f.concept.startswith(("func:", "econ:"))
                and f.row_code != code
                and f.row_code not in seen
            ):
                seen.add(f.row_code)
                msg = f"表中科目编码印作{f.row_code}，按科目名称“{f.label}”应为{code}"
                ctx.emit("sum.code_hierarchy", "warning", msg, [q], expected=code, actual=f.row_code)


def check_function_classes(ctx: Ctx) -> None:
    """一般公共预算财政拨款支出 (or 本年支出合计) = Σ top-level function classes; 基本支出 = Σ classes listed for it."""
    for period in PERIODS:
        top = [c for c in top_level(codes(ctx, "func", period, None), "func") if len(c) == 3]  # classes only
        totals = ctx.get("gb_expenditure", period) + ctx.get("expenditure_total", period)
        check_sum(ctx, "sum.function_classes", totals, _amounts(ctx, "func", top, period, None))
        _listed_in_prose(ctx, period)
        basic = top_level(codes(ctx, "func", period, "basic"), "func")
        totals = ctx.get("exp_basic", period) + ctx.get("gb_basic", period)
        check_sum(ctx, "sum.function_classes", totals, _amounts(ctx, "func", basic, period, "basic"))


def _listed_in_prose(ctx: Ctx, period: str) -> None:
    """The function classes a 财政拨款 section lists one by one cannot add up to more than its stated total.

    (财政拨款支出主要内容如下：1. …（项）X万元 …) The list may leave items out, so only an excess is reported.
    """
    prose: dict[str, list[Q]] = {}
    for concept, p, measure, scope in ctx.keys():
        if concept.startswith("func:") and p == period and measure == "amount" and scope is None:
            qs = candidates([q for q in ctx.all(concept, p) if q.fact.table is None and q.fact.fund == "fiscal"])
            if qs:
                prose[concept[5:]] = qs
    top = top_level(sorted(prose), "func")
    if len(top) < 2:
        return
    totals = ctx.get("fiscal_expenditure", period) + ctx.get("gb_expenditure", period)
    check_sum(
        ctx,
        "sum.function_classes",
        totals,
        [prose[c] for c in top],
        min_parts=None,
        note="（逐项列出的科目之和超过总数）",
    )


def check_basic_by_economic(ctx: Ctx) -> None:
    """基本支出 = Σ economic classes listed for it (scope basic), against 基本支出 or its fiscal counterpart."""
    for period in PERIODS:
        top = top_level(codes(ctx, "econ", period, "basic"), "econ")
        totals = ctx.get("exp_basic", period) + ctx.get("gb_basic", period)
        check_sum(ctx, "sum.basic_by_economic", totals, _amounts(ctx, "econ", top, period, "basic"))


def check_project_by_class(ctx: Ctx) -> None:
    """项目支出 = Σ classes listed for it; a list mixing function and economic classes is two cuts of one amount."""
    for period in PERIODS:
        totals = ctx.get("exp_project", period)
        func = _amounts(ctx, "func", top_level(codes(ctx, "func", period, "project"), "func"), period, "project")
        econ = _amounts(ctx, "econ", top_level(codes(ctx, "econ", period, "project"), "econ"), period, "project")
        if not (func and econ):
            check_sum(ctx, "sum.project_by_class", totals, func or econ)
            continue
        cuts = [evaluate(totals, cut) for cut in (func, econ)]
        if any(o is not None and o.holds for o in cuts):
            continue
        o = evaluate(totals, func + econ)
        if o is None:
            continue
        how = "仅在取整后相符" if o.holds else "亦不相符"
        msg = (
            f"{name(o.total)}：其中所列混合了功能分类与经济分类（同一金额的两种划分），单独均不等于合计；"
            f"全部相加 {' + '.join(name(p) for p in o.parts)} = {expected(o)}{o.total.unit}，{how}"
        )
        ctx.emit(
            "sum.project_by_class",
            "warning",
            msg,
            [o.total, *o.parts],
            expected=expected(o),
            actual=o.total.fact.value,
            tolerance=tolerance(o),
        )


def project_concepts(ctx: Ctx) -> list[str]:
    """Every project:<name> concept stated."""
    return sorted({k[0] for k in ctx.keys() if k[0].startswith("project:")})


TARGET_FORM = "项目绩效目标表"
SELECTION = Decimal("0.8")  # listed projects below this share of 项目支出 are a selection of key projects


def check_projects(ctx: Ctx) -> None:
    """Σ listed projects = 项目支出 (excess: error; shortfall: warning, the list may be a selection).

    The projects of performance-target forms are checked against the funds the report says those projects
    cover (编报绩效目标的项目N个，涉及项目预算资金X万元) instead, when it prints one form per project.
    """
    projects = project_concepts(ctx)
    for period in ("current", "budget"):
        forms = [c for c in projects if any(q.fact.table_kind == TARGET_FORM for q in ctx.all(c, period))]
        listed = [ctx.get(c, period) for c in projects if c not in forms]
        totals = ctx.get("exp_project", period)
        o = evaluate(totals, [p for p in listed if p])
        if o is not None and not o.over and o.sum.hi < o.total.iv.lo * SELECTION:
            continue  # a few key projects of many: a selection, no shortfall to report
        check_sum(ctx, "sum.projects", totals, listed, short="warning")
        counts = ctx.get("perf_targets", "current", "count") + ctx.get("perf_targets", period, "count")
        if forms and any(q.value == len(forms) for q in counts):
            parts = [[q for q in ctx.get(c, period) if q.fact.table_kind == TARGET_FORM] for c in forms]
            check_sum(ctx, "sum.projects", ctx.get("perf_target_funds", period), parts)


def check_listed_parts(ctx: Ctx) -> None:
    """拨款收入 = Σ its items listed by function (scope income); 项目 = 其中-财政拨款 + 其它资金."""
    for period in PERIODS:
        top = top_level(codes(ctx, "func", period, "income"), "func")
        rows = _amounts(ctx, "func", top, period, "income")
        all_funds = any(q.fact.fund == "all" for qs in rows for q in qs)  # an all-funds 收入表: its total is 本年收入
        totals = ctx.get("income_total", period) if all_funds else ctx.get("inc_fiscal", period)
        totals = totals or ctx.get("income_total", period)
        check_sum(ctx, "sum.listed_parts", totals, rows)
        for c in project_concepts(ctx):
            check_sum(
                ctx,
                "sum.listed_parts",
                ctx.get(c, period),
                [ctx.get(c, period, "amount", s) for s in ("fiscal", "other")],
            )


_LIST_REACH = 200  # characters after a count within which its category list stands


def check_count_lists(ctx: Ctx) -> None:
    """共有车辆N辆，其中：执法执勤用车38辆… — a count against the categories listed right after it (exact)."""
    listed = {r.concept for r in lexicon().counts if r.categories}
    for concept, period, measure, scope in ctx.keys():
        if concept not in listed or measure != "count" or scope is not None:
            continue
        totals = sorted(ctx.all(concept, period, "count"), key=lambda q: q.fact.span)
        items = [q for k in ctx.keys() if k[:3] == (concept, period, "count") and k[3] for q in ctx.all(*k)]
        for n, total in enumerate(totals):
            end = totals[n + 1].fact.span[0] if n + 1 < len(totals) else total.fact.span[1] + _LIST_REACH
            reach = min(end, total.fact.span[1] + _LIST_REACH)
            parts = [q for q in items if total.fact.span[1] <= q.fact.span[0] < reach]
            o = evaluate([total], [[q] for q in parts])
            if o is None or o.holds or (not o.over and len(parts) < 2):
                continue
            listed_parts = " + ".join(f"{q.fact.scope}{q.written()}" for q in parts)
            msg = f"{name(total)} ≠ {listed_parts} = {expected(o)}{total.unit}"
            ctx.emit("sum.listed_parts", "error", msg, [total, *parts], expected=expected(o), actual=total.fact.value)


def check_named_evaluations(ctx: Ctx) -> None:
    """自行组织了N个项目支出绩效评价 against the projects the report names as evaluated (a count, so a warning)."""
    if ctx.text is None:
        return
    named = textual.enumerated_evaluations(ctx.text)
    for q in ctx.get("perf_evaluation", "current", "count"):
        for _, _, items in named:
            if q.iv.intersects(Interval(Decimal(len(items)), Decimal(len(items)))):
                continue
            msg = f"{name(q)}，但文中列名开展绩效评价的仅{len(items)}个（{'、'.join(items)}）"
            ctx.emit("sum.listed_parts", "warning", msg, [q], expected=str(len(items)), actual=q.fact.value)
            break
