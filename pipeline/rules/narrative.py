"""Figures in the template's narrative sentences, found by label and meaning, not by sentence position.

Each sentence is read left to right. A number with a unit takes its concept from the nearest label before it
(alias tables in `vocab`); a share (占X%), a completion rate (完成预算X%) or a change (增加/减少, 增长/下降) takes
the concept of the sentence's subject when it has no label of its own. The words just before a number decide
its period: 比上年 → prior, 预算数 → budget, 增加/减少 → change, otherwise current (budget in a 预算 document).
Counts (人, 辆, 个 …) and a few template-specific sentences have their own patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline.lexicon import lexicon
from pipeline.numbers import NUMBER
from pipeline.rules.codes import closest, compact_name, lexicon_children
from pipeline.rules.emit import Emitter
from pipeline.rules.labels import resolve
from pipeline.rules.vocab import FUNC_CODES, func_code_by_name, last_concept
from pipeline.textutil import no_spaces, squeeze
from schemas.document import Measure, Period

MONEY = ("万元", "亿元", "元")
_TOKEN = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>万元|亿元|元|%|人次|批次|人|名|辆|个|台|次|分)?")
_CHANGE = re.compile(
    r"(增加/减少|减少/增加|增加|减少|增长|下降|少支出|多支出|节约|超支|增支|减支|小于|大于|低于|高于)了?"
    r"(?:上年(?:度)?(?:预算)?数?)?\s*$"
)
_GROWTH = re.compile(r"(增长/下降|下降/增长|增长|下降|降幅|增幅|上升|减少|增加)(了|幅度为?|率为?)?\s*$")
_PRIOR = re.compile(r"(比|较|与)\s*(上年度?|上一年度?|\d{4}\s*年度?)[^，,。；;]{0,12}$")
# last year's own figure, no comparison (上年度列入此项的预留机动经费128.43万元); not what it carried over (上年结转)
_LAST_YEARS = re.compile(r"(?<![比较与])(上年度|上一年度)(?!结转|结余)[^，,。；;比较与]{0,16}$")
_OTHER_YEAR = re.compile(r"上年|上一年|去年|同期|(比|较|与)\s*\d{4}\s*年")
_BUDGET = re.compile(r"(年初预算|调整预算|预算总额|预算数|预算安排|预算)(数)?(为|是|共)?\s*$")
_CURRENT_UNITLESS = re.compile(r"(决算数|决算|执行数)(为|是)\s*$")
_COMPLETION = re.compile(r"完成(年初|调整)?预算(数)?的?\s*$")
_NEUTRAL = re.compile(
    r"^(其中)?(\d{4}年度?)?(支出决算数?|决算数?|共计支出|共计|执行数|预算数|支出|预算安排|当年预算执行数|预算执行数)(为|是)?$"
)
_DOWN = ("减少", "下降", "少支出", "节约", "降幅", "减支", "小于", "低于", "压减", "调减")
_UP = ("增加", "增长", "多支出", "超支", "上升", "增幅", "增支", "大于", "高于", "调增")
_NAME = r"(?:[\u4e00-\u9fff]|[（(](?![类款项][）)])[\u4e00-\u9fff]{1,4}[）)])"  # 党委办公厅（室）及相关机构事务
_FUNC_PATH = re.compile(
    r"(?:(?P<cls>[\u4e00-\u9fff]+?)(?:支出)?(?P<ccode>\d{3})?[（(]类[）)](?:支出)?)?"
    rf"(?:(?P<kuan>{_NAME}*?)(?P<kcodes>[\d、]*)[（(]款[）)])?"
    rf"(?:(?P<xiang>{_NAME}*?)(?P<xcodes>[\d、]*)[（(]项[）)])?"
)
_TITLE = re.compile(r"《[^《》]*》")
_LEVEL_AFTER = re.compile(r"^[（(](类|款|项)[）)]")
_CHANGE_IN_CLAUSE = re.compile(r"(?:原因是|主要是)[^，,]*?(增加|减少|压减|调减|调增)|(增加|减少|压减|调减|调增)$")
_CHANGE_AFTER_LABEL = re.compile(r"^(?:预算)?(?:安排)?.{0,2}?(增加|减少|压减|调减|调增|增长|下降)")
_BARE_CHANGE = re.compile(
    r"^[，,、；;：:。]*(其中)?[，,：:]?(与|比|较|同)?(上年度?|上一年度?|去年|\d{4}年度?)?(当年)?(预算执行数|预算数|执行数|预算)?"
    r"(相比|比较)?[，,]?(收、?支(预算)?总计)?(各|分别|共)?(增加|减少|增长|下降|上升|降低|压减|节约|减支|增支|少支出|多支出|超支)?(了|为|是)?$"
)
_CLASS_HEADING = re.compile(r"(?P<cls>[\u4e00-\u9fff]+?)(?:支出)?[（(]类[）)]")
_YEAR_TAIL = re.compile(r"(?P<year>\d{4})\s*年(?P<rest>[^，,。；;\d]{0,12})$")
# patterns of the hot per-figure helpers, compiled here rather than looked up in `re`'s cache at every call
_SENTENCE_END = re.compile(r"[。！？]")
_SPACES_QUOTES = re.compile(r"[\s\u3000“”\"]+")
_PART_END = re.compile(r"[；;。]")
_COMMA = re.compile(r"[，,]")
_CLAUSE_BREAK = re.compile(r"[，,；;。]")
_COMMAS_COLONS = re.compile(r"[，,：:]")
_NOT_IN_PROSE = {"229", "227"}  # 其他, 预备费: too common as words
_SCOPE_OF_SUBJECT = {"exp_basic": "basic", "gb_basic": "basic", "exp_project": "project"}
_INCOME_SUBJECTS = {"inc_fiscal", "income_total"}


@dataclass
class _Sentence:
    """Reading state of one sentence."""

    subject: str | None = None
    subject_period: Period | None = None
    scope: str | None = None
    budget_doc: bool = False
    budget_then_actual: int = 0  # 1: a budget amount was stated; 2: then an actual one (年初预算X，实际Y，增加Z)
    carried: bool = False  # the subject comes from an earlier sentence of the paragraph


def extract_paragraph(em: Emitter, start: int, end: int, doc_type: str | None, unit: str | None) -> None:
    """Emit every figure of one paragraph line at clean [start, end)."""
    text = em.ct.text
    if _project_summary(em, start, end):
        return
    line = text[start:end].strip()
    if m := _PROJECT_TITLE.match(line):
        em.project = m.group("name")  # 科技创新专项经费情况说明: the project the next lines are about
        return
    if em.project is not None and "项目总预算" in line and (m := _PROJECT_BUDGET.search(text, start, end)):
        em.add(
            f"project:{em.project}",
            "budget",
            "amount",
            m.start("n"),
            m.end("n"),
            "万元" if m.group("u") == "万" else m.group("u"),
            snippet=(m.start(), m.end()),
        )
    if line.endswith(("：", ":")) and len(line) <= 40 and (fund := lexicon().fund_of_text(line)):
        em.prose_fund = fund  # 财政拨款支出主要内容如下：
    budget_doc = doc_type == "预算"
    adjusted = text.find("调整预算", start, end) >= 0
    state = _Sentence(budget_doc=budget_doc)
    for s0, s1 in _sentences(text, start, end):
        if not text[s0:s1].lstrip().startswith("其中"):
            # a new sentence keeps the paragraph's subject for figures it states without a label of their own
            state = _Sentence(state.subject, budget_doc=budget_doc, carried=True)
        _read_sentence(em, s0, s1, doc_type, unit, state, adjusted=adjusted)
    _counts(em, start, end)
    _nothing(em, start, end, doc_type)
    _scores(em, start, end)
    _budget_statement(em, start, end)


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        yield pos, m.end()
        pos = m.end()
    if pos < end:
        yield pos, end


def _read_sentence(
    em: Emitter, s0: int, s1: int, doc_type: str | None, unit: str | None, state: _Sentence, adjusted: bool
) -> None:
    text = em.ct.text
    prev = s0
    for m in _TOKEN.finditer(text, s0, s1):
        ctx = text[prev : m.start()]
        if _inside_code(text, m):
            continue
        tok_unit = m.group("unit")
        if tok_unit is None and _CURRENT_UNITLESS.search(ctx) and text[m.end() : m.end() + 1] in "，,。；":
            tok_unit = unit  # 一般公共预算支出决算数为381.13，完成预算102%
        if tok_unit is None:
            continue  # years, codes, list numbers: part of the next figure's context
        prev = m.end()
        if tok_unit in MONEY:
            _money(em, m.start("num"), m.end("num"), tok_unit, ctx, state, doc_type, adjusted)
        elif tok_unit == "%":
            _percent(em, m.start("num"), m.end("num"), ctx, state)


def _inside_code(text: str, m: re.Match[str]) -> bool:
    """Digits glued to letters (Z01-1表) or to a code marker are not figures."""
    before = text[m.start() - 1 : m.start()]
    return before.isascii() and before.isalpha()


def _compact(text: str) -> str:
    return _SPACES_QUOTES.sub("", text)


def _label(ctx: str, em: Emitter | None = None) -> tuple[str | None, int]:
    """Concept named nearest the end of `ctx` (concept aliases or function-class names) and where it ends."""
    best_concept, best_end = None, -1
    found = last_concept(ctx)
    compact = _compact(ctx)
    if found is not None:
        best_concept, best_end = found.concept, found.end
    func = _func_label(compact, em)
    if func is not None and func[1] >= best_end:
        best_concept, best_end = func
    return best_concept, best_end


def _func_label(compact: str, em: Emitter | None = None) -> tuple[str, int] | None:
    """A function class named in the text: a 类/款/项 path, written codes, or a bare class name."""
    best: tuple[str, int] | None = None
    if _LEVEL_MARK.search(compact):  # a path names at least one level: no mark, no path
        for m in _FUNC_PATH.finditer(compact):
            if not m.group(0) or not _LEVEL_MARK.search(m.group(0)):
                continue
            code = _resolve_path(m, em)
            if code and (best is None or m.end() >= best[1]):
                best = (f"func:{code}", m.end())
    if best is not None:
        return best
    return _func_name_label(compact)


_LEVEL_MARK = re.compile(r"[类款项][）)]")


@lru_cache(maxsize=4096)
def _func_name_label(compact: str) -> tuple[str, int] | None:
    """The function-class name ending last in the text (a 款/项 name only right at its end)."""
    best: tuple[str, int] | None = None
    for code, name in _func_name_candidates(compact):
        pos = compact.rfind(name)
        if pos < 0:
            continue
        end = pos + len(name)
        end += 2 if compact[end : end + 2] in ("支出", "收入") else 0
        if len(code) > 3 and len(compact) - end > 0:
            continue  # a 款/项 name in prose only counts right before its number
        if best is None or end > best[1] or (end == best[1] and len(code) > len(best[0]) - 5):
            best = (f"func:{code}", end)
    return best


def _func_name_candidates(compact: str) -> list[tuple[str, str]]:
    """The (code, name) pairs of FUNC_CODES whose first two characters occur in the text, in the lexicon's order."""
    by_head = _func_names_by_head()
    found = {entry for i in range(len(compact) - 1) for entry in by_head.get(compact[i : i + 2], ())}
    found.update(by_head.get("", ()))
    return [(code, name) for _, code, name in sorted(found)]


@cache
def _func_names_by_head() -> dict[str, list[tuple[int, str, str]]]:
    """Function-class names usable in prose, by their first two characters, each with its place in the lexicon."""
    index: dict[str, list[tuple[int, str, str]]] = {}
    order = 0
    for code, names in FUNC_CODES.items():
        if code in _NOT_IN_PROSE:
            continue
        for name in names:
            index.setdefault(name[:2] if len(name) > 1 else "", []).append((order, code, name))  # "": always tried
            order += 1
    return index


def _resolve_path(m: re.Match[str], em: Emitter | None = None) -> str | None:
    """The code a 类/款/项 path names: written codes give the class; names give the deepest level.

    A path without its 类 (`法院（款）行政运行（项）`) is read under the class the prose is in; names resolve under
    their parent from the report's own tables first, then the lexicon.
    """
    if m.group("ccode"):
        return m.group("ccode")
    codes = em.codes if em is not None else None
    if m.group("cls"):
        cls = resolve_class(m.group("cls"), em)
        if cls is not None and em is not None:
            em.func_class = cls
    else:
        cls = em.func_class if em is not None else None
    if cls is None:
        return None
    code = cls
    for level in ("kuan", "xiang"):
        name = m.group(level)
        if not name:
            break
        child = (
            (codes.child(code, name) if codes else None)
            or func_code_by_name(name, parent=code)
            or closest(lexicon_children(code), compact_name(name))
        )
        if child is None:
            return None  # a name not under its parent: no guess at a level above
        code = child
    return code


def resolve_class(text: str, em: Emitter | None = None) -> str | None:
    """The 类 code of a class name (its tail: `1．公共安全` → 204), from the report's tables or the lexicon."""
    codes = em.codes if em is not None else None
    for start in range(max(0, len(text) - 14), len(text)):
        tail = text[start:]
        found = (codes.child("", tail) if codes else None) or func_code_by_name(tail)
        if found and len(found) == 3:
            return found
    return None


def note_class(em: Emitter, title: str) -> None:
    """A heading naming a function class (（一）公共安全（类）) sets the class the following prose is in."""
    m = _CLASS_HEADING.search(no_spaces(title))
    if m:
        em.func_class = resolve_class(m.group("cls"), em) or em.func_class


def _class_suffix(text: str) -> str | None:
    for start in range(len(text)):
        code = func_code_by_name(text[start:])
        if code and len(code) == 3:
            return code
    return None


def _period(
    ctx: str, doc_type: str | None, adjusted: bool, fiscal_year: int | None = None
) -> tuple[Period, str | None, str | None]:
    """Period, scope and direction of an amount from the words just before it (line breaks and spaces ignored)."""
    ctx = _compact(ctx)
    if m := _CHANGE.search(ctx):
        return "change", None, _direction(m.group(1))
    if m := _PRIOR.search(ctx) or _LAST_YEARS.search(ctx):
        return "prior", ("budget" if "预算" in m.group(0) else None), None
    if fiscal_year is not None and (m := _YEAR_TAIL.search(ctx)) and int(m.group("year")) == fiscal_year - 1:
        rest = m.group("rest")
        return "prior", ("budget" if "预算" in rest and "执行" not in rest else None), None
    if m := _BUDGET.search(ctx):
        scope = None
        if adjusted and m.group(1) in ("年初预算", "调整预算"):
            scope = "initial_budget" if m.group(1) == "年初预算" else "adjusted_budget"
        return "budget", scope, None
    return ("budget" if doc_type == "预算" else "current"), None, None


def _direction(word: str) -> str:
    if "/" in word:
        return "unknown"
    if word.startswith(_DOWN):
        return "down"
    return "up" if word.startswith(_UP) else "unknown"


def _track_budget_then_actual(state: _Sentence, period: Period) -> None:
    """年初预算X，实际Y，增加Z: after a budget and then an actual amount, a difference compares the two."""
    if state.budget_doc:
        return
    if period == "budget" and state.budget_then_actual == 0:
        state.budget_then_actual = 1
    elif period == "current" and state.budget_then_actual == 1:
        state.budget_then_actual = 2
    elif period == "prior":
        state.budget_then_actual = -1


_VERB_FIRST = re.compile(r"^(增加|减少|压减|调减|调增)了?(?P<label>.+)$")


def _verb_label(clause: str, concept: str) -> re.Match[str] | None:
    """`增加基本支出 844.15 万元`: a clause that is a change verb and the figure's label, and nothing else."""
    m = _VERB_FIRST.match(clause)
    if m is None:
        return None
    found = last_concept(m.group("label"))
    whole = found is not None and found.concept == concept and (found.start, found.end) == (0, len(m.group("label")))
    return m if whole else None


def _labelled(
    em: Emitter, ctx: str, doc_type: str | None, adjusted: bool
) -> tuple[str | None, Period, str | None, str | None]:
    """Concept, period, scope and direction of an amount from the words before it (concept None: unlabelled)."""
    own = _PART_END.split(ctx)[-1]  # a figure's label stands in its own sentence part
    own = _TITLE.sub(lambda m: "　" * len(m.group(0)), own)  # 《财政拨款支出预算表》 names a table, not the figure
    concept, label_end = _label(own, em)
    compact = _compact(own)
    if concept is not None and not concept.startswith("func:") and _LEVEL_AFTER.match(compact[label_end:]):
        concept = None  # 会议费（款）: a classification item named by level, not the vocabulary figure
    period, scope, direction = _period(ctx, doc_type, adjusted, em.fiscal_year)
    if concept is not None and period != "change":
        after, before = compact[label_end:], _COMMA.split(compact[: max(label_end, 0)])[-1]
        if m := (_CHANGE_AFTER_LABEL.match(after) or _CHANGE_IN_CLAUSE.search(before) or _verb_label(before, concept)):
            word = m.group(1) or m.group(m.lastindex or 1)
            period, scope, direction = "change", None, _direction(word)  # 基本支出增加人员工资…等3397.18万元
    if concept is not None and "@" in concept:
        concept, _, fixed = concept.partition("@")
        scope = scope or fixed
    if concept is not None and em.prose_fund is not None:
        concept = lexicon().section_concepts.get(em.prose_fund, {}).get(concept, concept)
    return concept, period, scope, direction


def _money(
    em: Emitter, start: int, end: int, unit: str, ctx: str, state: _Sentence, doc_type: str | None, adjusted: bool
) -> None:
    concept, period, scope, direction = _labelled(em, ctx, doc_type, adjusted)
    _track_budget_then_actual(state, period)
    if period == "change" and state.budget_then_actual == 2 and not _OTHER_YEAR.search(ctx):
        return  # actual against budget, not a change on last year: no vocabulary concept
    bare = _compact(ctx)
    clause = _CLAUSE_BREAK.split(bare)[-1]  # the words of the figure's own clause
    subjectless = (period in ("prior", "change") and _BARE_CHANGE.match(clause)) or _NEUTRAL.match(
        _COMMAS_COLONS.sub("", bare)
    )
    if concept is None and subjectless:
        concept = state.subject  # 与上年相比增加X万元: the subject's change; 扶贫经费增加X万元 is no figure of it
    elif not subjectless:
        concept = resolve("prose", clause, concept)
        if concept is not None and "@" in concept:
            concept, _, fixed = concept.partition("@")
            scope = scope or fixed
    if concept is None:
        return
    if period in ("current", "budget") and state.subject is None:
        state.scope = _SCOPE_OF_SUBJECT.get(concept) or ("income" if concept in _INCOME_SUBJECTS else None)
    if concept.startswith(("func:", "econ:")) and scope is None and state.subject is not None:
        scope = state.scope
    if doc_type != "预算" and period == "change" and state.subject_period == "budget" and scope is None:
        scope = "budget"
    if period == "prior" and scope is None and "预算" in ctx and "执行" not in ctx and state.subject_period == "budget":
        scope = "budget"
    em.add(
        concept,
        period,
        "amount",
        start,
        end,
        unit,
        scope=scope,
        direction=direction,
        label=ctx.strip()[-20:],
        snippet=(max(0, start - 30), end + 2),
    )
    if period in ("current", "budget") or state.subject is None:
        if state.subject is None:
            state.subject_period = period
        state.subject = concept


def _percent(em: Emitter, start: int, end: int, ctx: str, state: _Sentence) -> None:
    measure: Measure
    period: Period = "budget" if state.budget_doc else "current"
    direction = None
    head = ctx
    if "占" in ctx:
        measure, head = "share", ctx[: ctx.rfind("占")]
    elif _COMPLETION.search(ctx):
        measure, head = "completion_rate", ctx[: _COMPLETION.search(ctx).start()]  # type: ignore[union-attr]
    elif m := _GROWTH.search(ctx):
        measure, period, direction, head = "growth_rate", "change", _direction(m.group(1)), ctx[: m.start()]
    else:
        return
    concept, _ = _label(head, em)
    concept = (concept or state.subject or "").partition("@")[0] or None
    if concept is None:
        return
    scope = "budget" if period == "change" and state.subject_period == "budget" and not state.budget_doc else None
    em.add(
        concept,
        period,
        measure,
        start,
        end,
        "%",
        direction=direction,
        scope=scope,
        snippet=(max(0, start - 30), end + 1),
    )


# ---------------------------------------------------------------- counts and template sentences


def _counts(em: Emitter, start: int, end: int) -> None:
    text = em.ct.text
    lex = lexicon()
    if lex.count_hint is not None and not lex.count_hint.search(text, start, end):
        return  # no number with a count's unit: none of the count patterns can match
    listed: list[tuple[str, int, int]] = []  # category lists: their items are no totals of the listed concept
    for rule in lex.counts:
        period: Period = "budget" if rule.period == "budget" else "current"
        for m in rule.pattern.finditer(text, start, end):
            if any(c == rule.concept and a <= m.start("n") < b for c, a, b in listed):
                continue
            em.add(rule.concept, period, "count", m.start("n"), m.end("n"), m.group("u"), snippet=(m.start(), m.end()))
            if rule.categories:
                span = _count_list(em, rule.concept, period, m.end(), end, lex.count_categories[rule.categories])
                if span is not None:
                    listed.append((rule.concept, *span))


_CONDITIONAL = re.compile(r"的(部门|单位)?[，,]|作下述说明|仍保留")
_CLAUSE_END = re.compile(r"[。；;]")
_NAME_LEFT_BLANK = re.compile(r"XX|××|\*\*")


def _nothing(em: Emitter, start: int, end: int, doc_type: str | None) -> None:
    """Nothing-statements (本年度无政府性基金预算财政拨款收入和支出): the figures they name are zero."""
    compact = no_spaces(em.ct.text[start:end])
    hint = lexicon().nothing_hint
    if hint is not None and not any(c in compact for c in hint):
        return
    period: Period = "budget" if doc_type == "预算" else "current"
    for pattern, concepts in lexicon().nothing_statements:
        for m in pattern.finditer(compact):
            clause = _CLAUSE_END.split(compact[m.start() :])[0]
            if _CONDITIONAL.search(clause) or _NAME_LEFT_BLANK.search(compact):
                continue  # a template's instruction (无…的部门，作下述说明) or a statement with the name left blank
            flat = squeeze(em.ct.text[start:end])  # its text is `compact`
            s0, s1 = start + flat.origin(m.start()), start + flat.origin(m.end() - 1) + 1
            both = re.search(r"预算与决算|预算和决算|预决算", clause) is not None  # 无…支出预算与决算: neither
            for concept in concepts:
                for each in ("budget", "current") if both else (period,):
                    em.add_zero(concept, each, s0, s1)
            return


def _count_list(
    em: Emitter, concept: str, period: Period, start: int, end: int, category: re.Pattern[str]
) -> tuple[int, int] | None:
    """The categories listed after a count (其中：执法执勤用车38辆、…), each as the concept scoped by category.

    Returns the span of the list, or None when no list follows.
    """
    text = em.ct.text
    head = re.match(r"\s*[，,]?\s*其中\s*[：:，,]?|\s*[（(]其中", text[start:end])
    bracket = re.match(r"\s*[（(]", text[start:end]) if head is None else None
    if bracket is not None and category.match(text, start + bracket.end()):
        head = bracket  # 车辆7辆（一般公务用车3辆，执法执勤用车4辆…）
    if head is None:
        return None
    ends = ("）", ")") if bracket is not None else ("；", "。")
    stop = min((p for p in (text.find(ends[0], start, end), text.find(ends[1], start, end)) if p >= 0), default=end)
    if stop == end and not text[start:end].rstrip().endswith(("；", "。", ";", "…", "...")):
        return start, stop  # the list goes on past a line break the text did not join: its items are not all here
    for m in category.finditer(text, start + head.end(), stop):
        em.add(
            concept,
            period,
            "count",
            m.start("n"),
            m.end("n"),
            m.group("u"),
            scope=m.group("name"),
            snippet=(m.start(), m.end()),
        )
    return start, stop


_SCORE = re.compile(rf"(?P<name>[\u4e00-\u9fff]{{2,12}}?)得分\s*(?P<n>{NUMBER})\s*分")
_SCORE_LEAD = re.compile(r"^(?:我单位|本单位|我中心|本部门|我局)")


def _scores(em: Emitter, start: int, end: int) -> None:
    text = em.ct.text
    if text.find("得分", start, end) < 0:
        return  # what every score pattern needs; the search for a name before it is the slow part
    for m in _SCORE.finditer(text, start, end):
        name = _SCORE_LEAD.sub("", m.group("name"))
        concept = "score_total" if name.startswith(("合计", "总")) else f"score:{name}"
        em.add(concept, "current", "score", m.start("n"), m.end("n"), "分", snippet=(m.start(), m.end()))


_PROJECT_SUMMARY = re.compile(r"(?:^|[）)、.\s])(?P<name>[^，。；：:\s（(]{2,40}?)项目绩效目标完成情况综述")
_PROJECT_FIGURES: list[tuple[Period, Measure, re.Pattern[str]]] = [
    ("budget", "amount", re.compile(rf"预算数(?:为)?\s*(?P<n>{NUMBER})\s*(?P<u>万元|元)")),
    ("current", "amount", re.compile(rf"执行数(?:为)?\s*(?P<n>{NUMBER})\s*(?P<u>万元|元)")),
    ("current", "completion_rate", re.compile(rf"完成预算的?\s*(?P<n>{NUMBER})\s*(?P<u>%)")),
]


def _project_summary(em: Emitter, start: int, end: int) -> bool:
    """Project summaries: （1）X项目绩效目标完成情况综述。项目全年预算数40万元，执行数为40万元，完成预算的100%."""
    text = em.ct.text
    if text.find("项目绩效目标完成情况综述", start, end) < 0:
        return False
    m = _PROJECT_SUMMARY.search(text, start, end)
    if m is None:
        return False
    concept = f"project:{m.group('name')}"
    for period, measure, pattern in _PROJECT_FIGURES:
        hit = pattern.search(text, m.end(), end)
        if hit:
            em.add(
                concept,
                period,
                measure,
                hit.start("n"),
                hit.end("n"),
                hit.group("u"),
                snippet=(m.start("name"), hit.end()),
            )
    return True


_PROJECT_TITLE = re.compile(r"^(?P<name>[^\s，。；：:、]{2,40}?(?:经费|专项|项目|资金))情况说明$")
_PROJECT_BUDGET = re.compile(rf"(?:\d{{4}}年度?)?项目总预算(?:为)?\s*(?P<n>{NUMBER})\s*(?P<u>万元|亿元|万|元)")

_BUDGET_STATEMENT = re.compile(
    rf"(?P<side>收入|支出)年初预算数(?:为)?\s*(?P<a>{NUMBER})\s*元[，,]\s*调整预算数(?:为)?\s*(?P<b>{NUMBER})\s*元[。；]"
    rf"\s*\d{{4}}年预算(?:收入|支出)\s*(?P<c>{NUMBER})\s*元"
)


def _budget_statement(em: Emitter, start: int, end: int) -> None:
    """收入年初预算数X元，调整预算数为Y元。2019年预算收入Z元 — the self-assessment template's budget line."""
    text = em.ct.text
    if text.find("年初预算数", start, end) < 0:
        return
    for m in _BUDGET_STATEMENT.finditer(text, start, end):
        concept = "income_total" if m.group("side") == "收入" else "expenditure_total"
        em.add(concept, "budget", "amount", m.start("a"), m.end("a"), "元", scope="initial_budget")
        em.add(concept, "budget", "amount", m.start("b"), m.end("b"), "元", scope="adjusted_budget")
        em.add(concept, "current", "amount", m.start("c"), m.end("c"), "元")
