"""From validated answers to grounded facts, and the merge with the facts the rules found.

Every number of an answer is located in its chunk (`pipeline.ground`); a number that is not there is rejected and
listed in `result.ungrounded`. A grounded figure gets its raw span through the chunk's clean offsets. Merging:
a figure the rules already have (same place or same identity and value) counts as an agreement and is not
duplicated; one that reads the rules' number differently becomes an `llm.disagreement` warning and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pydantic import BaseModel

from pipeline.ground import Located, label_in_text, label_positions, locate, located_at, model_number
from pipeline.llm.chunks import Chunk, score_cell
from pipeline.llm.concepts import concept_in, identify
from pipeline.numbers import plain, to_wan
from schemas.document import Extractor, Fact, Finding
from schemas.llm import Figure, IndicatorNames, ProjectTable, ScoreTable

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from schemas.document import DocumentResult

_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(万元|元|亿元)|[（(](万元|元|亿元)[)）]")
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")  # a name has words, not only digits
_SENTENCE_START = re.compile(r"[。；;\n]")


@dataclass
class Candidate:
    """A grounded LLM fact and where it should go (facts, tables or indicators)."""

    fact: Fact
    target: str


@dataclass
class FactMaker:
    """Collects grounded candidates and rejected (ungrounded) answers for one document."""

    parsed: Parsed
    result: DocumentResult
    facts: list[Candidate] = field(default_factory=list)
    ungrounded: list[dict[str, str]] = field(default_factory=list)

    def add(self, chunk: Chunk, answer: BaseModel, by: Extractor = "llm") -> None:
        """Ground every figure of one answer; `by` says who gave it (`rules`: the figure list's own hints)."""
        if isinstance(answer, ProjectTable):
            for p in answer.projects:
                name = _compact(p.name).removesuffix("项目")
                for value, period, measure in (
                    (p.budget, "budget", "amount"),
                    (p.executed, "current", "amount"),
                    (p.rate, "current", "completion_rate"),
                ):
                    if value:
                        self._row(chunk, p.name, value, f"project:{name}", period, measure)
        elif isinstance(answer, ScoreTable):
            for r in answer.rows:
                group, name = _compact(r.group or ""), _compact(r.indicator)
                concept = f"score:{group}/{name}" if group and group != name else f"score:{name}"
                for value, measure in ((r.max_score, "score_max"), (r.score, "score")):
                    if value:
                        self._row(chunk, r.indicator, value, concept, "current", measure)
        elif isinstance(answer, IndicatorNames):
            self._named(chunk, answer, by)
        else:
            for f in getattr(answer, "figures", []):
                if isinstance(f, Figure):
                    loc = self._locate(chunk, f.label, f.value)
                    if loc is not None:
                        self._figure(chunk, f.label, loc)

    def _reject(self, chunk: Chunk, label: str, value: str, reason: str) -> None:
        """List an answer the text does not support in the document's `ungrounded`."""
        self.ungrounded.append(
            {"chunk": chunk.id, "section": chunk.section_title, "label": label, "value": value, "reason": reason}
        )

    def _locate(self, chunk: Chunk, label: str, value: str) -> Located | None:
        loc = locate(value, chunk.text, label_positions(label, chunk.text))
        if loc is None or chunk.clean_span(loc.start, loc.end) is None:
            self._reject(chunk, label, value, "number not in chunk")
            return None
        return loc

    def _named(self, chunk: Chunk, answer: IndicatorNames, by: Extractor) -> None:
        """Names for the chunk's listed figures: each goes to the first listed figure with the same number.

        A figure the list does not have, or a name the text's words do not support, is rejected and listed in
        `ungrounded`; an empty name means the model says the number is not a measured figure. Named figures
        become indicators.
        """
        listed = [located_at(chunk.text, s, e) for s, e in chunk.figures]
        for item in answer.labels:
            label = _strip_echo(item.label)
            target = model_number(item.figure)
            match = next(
                (
                    n
                    for n, loc in enumerate(listed)
                    if loc is not None and target is not None and loc.number.value == target.value
                ),
                None,
            )
            if match is None:
                self._reject(chunk, label, item.figure, "figure not in the list")
                continue
            loc, listed[match] = listed[match], None
            assert loc is not None
            if not _compact(label):
                continue
            if not label_in_text(label, chunk.text) or not _WORD.search(label):
                self._reject(chunk, label, item.figure, "label not in chunk")
                continue
            # a named figure is an indicator, never a vocabulary fact: the vocabulary comes from the rules and
            # the money / staff tasks, whose sentences say which item a figure belongs to
            unit = self._written_unit(chunk, loc)
            name = f"indicator:{_compact(label)}"
            self._add(chunk, loc, label, name, "current", "amount", unit, "indicators", extractor=by)

    def _figure(self, chunk: Chunk, model_label: str, loc: Located) -> None:
        # a figure without a written unit takes the table's unit only inside a table row
        unit = self._written_unit(chunk, loc)
        sentence = _SENTENCE_START.split(chunk.text[: loc.start])[-1]
        kind = self._section_kind(chunk, loc)
        # the model's label counts only if the text writes it before the number in the same sentence; otherwise
        # the figure belongs to the vocabulary item written last before it (a label the model made up is ignored)
        sentence_start = loc.start - len(sentence)
        written = any(sentence_start <= a < loc.start for a in label_positions(model_label, chunk.text))
        label = model_label if written else (concept_in(sentence, unit) or "")
        task = chunk.part_at(loc.start)[1].task  # a packed request holds money and staff chunks
        ident = identify(label, unit, sentence, self.result.meta.doc_type, kind, task) if label else None
        if ident is None:
            # a bare number (an item number, a count without its noun), a zero-padded code cell (款 / 项 01) or a
            # figure the model named by a number is no indicator
            code = re.fullmatch(r"0\d+", loc.number.text) is not None
            if unit is not None and not code and _WORD.search(model_label):
                self._add(
                    chunk,
                    loc,
                    model_label,
                    f"indicator:{_compact(model_label)}",
                    "current",
                    "amount",
                    unit,
                    "indicators",
                )
            return
        target = "tables" if ":" in ident.concept else "facts"
        self._add(chunk, loc, model_label, ident.concept, ident.period, ident.measure, unit, target, ident.direction)

    def _row(self, chunk: Chunk, label: str, value: str, concept: str, period: str, measure: str) -> None:
        loc = self._locate(chunk, label, value)
        if loc is None:
            return
        if measure in ("score", "score_max") and not (
            chunk.in_table_row(loc.start) and score_cell(chunk.text, loc.start, loc.end)
        ):
            # a score is a column of bare numbers; "扣1分" / "计0分" inside the criterion text is no score
            self._reject(chunk, label, value, "score not a table cell of its own")
            return
        unit = _row_unit(measure, loc.unit, self._table_unit(chunk, loc.start))
        if unit is None or not _row_plausible(
            concept, measure, period, _context(chunk.text, loc.start, chunk.part_start(loc.start))
        ):
            # grounded, but nothing in the text says it is this row's budget / execution / rate / score
            if _WORD.search(label):  # a row "named" by a number is nothing
                name = f"indicator:{_compact(label)}"
                self._add(chunk, loc, label, name, "current", "amount", self._written_unit(chunk, loc), "indicators")
            return
        self._add(chunk, loc, label, concept, period, measure, unit, "tables")

    def _written_unit(self, chunk: Chunk, loc: Located) -> str | None:
        """The unit written after a figure; on a table row without one, the table's unit."""
        return loc.unit or (self._table_unit(chunk, loc.start) if chunk.in_table_row(loc.start) else None)

    def _table_unit(self, chunk: Chunk, pos: int) -> str | None:
        """The last unit stated (单位：元 / （万元）) before `pos` in the chunk or earlier in the report, else the report's.

        A table without its own unit line shares the unit of the tables before it (a report's tables are in one
        unit; its prose may use another).
        """
        start = chunk.part_start(pos)  # a packed request: the text of the chunk that holds `pos`
        before = list(_UNIT_LINE.finditer(chunk.text, start, pos))
        m = before[-1] if before else None
        first = next((p for p in chunk.pieces if p.at >= start), None)
        if m is None and first is not None:
            found = list(_UNIT_LINE.finditer(self.parsed.clean.text, 0, first.clean_start))
            m = found[-1] if found else None
        if m:
            return m.group(1) or m.group(2)
        return self.result.meta.unit

    def _section_kind(self, chunk: Chunk, loc: Located) -> str:
        span = chunk.clean_span(loc.start, loc.end)
        section = self.parsed.seg.section_at(span[0]) if span else None
        return section.kind if section else chunk.kind

    def _add(
        self,
        chunk: Chunk,
        loc: Located,
        label: str,
        concept: str,
        period: str,
        measure: str,
        unit: str | None,
        target: str,
        direction: str | None = None,
        extractor: Extractor = "llm",
    ) -> None:
        clean_span = chunk.clean_span(loc.start, loc.end)
        assert clean_span is not None
        ct = self.parsed.clean
        section = self.parsed.seg.section_at(clean_span[0])
        wan = to_wan(loc.number.value, unit)
        line_start = ct.text.rfind("\n", 0, clean_span[0]) + 1
        snippet = ct.text[max(line_start, clean_span[0] - 40) : clean_span[1] + (len(unit) if unit else 0)]
        fact = Fact(
            id="",
            concept=concept,
            period=period,
            value=loc.number.text,
            unit=unit,
            value_wan=plain(wan) if wan is not None else None,
            decimals=loc.number.decimals,
            text=snippet.strip(),
            span=ct.raw_span(*clean_span),
            section=section.title if section else chunk.section_title,
            extractor=extractor,
            measure=measure,
            direction=direction,
            label=label,
        )
        self.facts.append(Candidate(fact, target))


_ROW_CONTEXT = {
    ("budget", "amount"): re.compile(r"预算|计划|安排"),
    ("current", "amount"): re.compile(r"执行数|实际|支出数|决算"),
    ("current", "completion_rate"): re.compile(r"执行率|完成率|完成预算|预算执行"),
}
_NAME = re.compile(r"^[\u3400-\u9fff（(“]")


def _row_unit(measure: str, written: str | None, table_unit: str | None) -> str | None:
    """The unit of a row figure, or None when the text writes a unit that does not fit the measure."""
    if measure == "completion_rate":
        return "%" if written == "%" else None
    if measure in ("score", "score_max"):
        return "分" if written in (None, "分") else None
    if written is None:
        return table_unit
    return written if written in ("元", "万元", "亿元") else None


def _row_plausible(concept: str, measure: str, period: str, context: str) -> bool:
    """A row name that reads as a name, and the column or sentence word its figure needs before it."""
    name = concept.split(":", 1)[1].split("/")[-1]
    if not _NAME.match(name):
        return False
    pattern = _ROW_CONTEXT.get((period, measure))
    return pattern is None or bool(pattern.search(context))


def _context(text: str, pos: int, start: int = 0) -> str:
    """The line up to `pos` and the line above it (a table's header row), not before `start`."""
    line_start = text.rfind("\n", start, pos) + 1 or start
    above = text.rfind("\n", start, max(start, line_start - 1)) + 1 or start
    return text[above:pos]


@dataclass(frozen=True)
class MergeCounts:
    """What the merge did."""

    added: int
    agreed: int
    disagreed: int
    covered: int = 0


def merge(result: DocumentResult, candidates: list[Candidate]) -> MergeCounts:
    """Add grounded LLM facts to the result; agreements are counted, disagreements become findings."""
    existing = [*result.facts, *result.tables, *result.indicators]
    ids = {f.id for f in existing}
    added = agreed = disagreed = covered = 0
    seen: set[tuple[int, int]] = set()
    for cand in candidates:
        new = cand.fact
        if new.span in seen:
            continue
        seen.add(new.span)
        same_place = [f for f in existing if f.span[0] < new.span[1] and new.span[0] < f.span[1]]
        if any(_same(f, new) for f in same_place) or (not same_place and any(_same(f, new) for f in existing)):
            agreed += 1
            continue
        if same_place and cand.target == "indicators":
            covered += 1  # the rules read this number as a fact already; an unnamed indicator adds nothing
            continue
        conflict = next((f for f in same_place if f.extractor != "llm"), None)
        if conflict is not None:
            disagreed += 1
            result.findings.append(_disagreement(conflict, new))
            continue
        n = len(ids) + 1
        while f"f{n}" in ids:
            n += 1
        ids.add(f"f{n}")
        fact = new.model_copy(update={"id": f"f{n}"})
        getattr(result, cand.target).append(fact)
        existing.append(fact)
        added += 1
    return MergeCounts(added, agreed, disagreed, covered)


def _same(a: Fact, b: Fact) -> bool:
    if (_row_name(a.concept), a.period, a.measure) != (_row_name(b.concept), b.period, b.measure):
        return False
    if ":" not in a.concept and a.scope != b.scope:
        return False
    try:
        return Decimal(a.value_wan or a.value) == Decimal(b.value_wan or b.value)
    except InvalidOperation:
        return a.value == b.value


def _row_name(concept: str) -> str:
    """A row concept without its group (score:预算配置/重点支出安排率 and score:重点支出安排率 name one row)."""
    family, sep, name = concept.partition(":")
    return f"{family}:{name.split('/')[-1]}" if sep else concept


def _disagreement(rule_fact: Fact, llm_fact: Fact) -> Finding:
    return Finding(
        rule="llm.disagreement",
        severity="warning",
        message=f"规则读作 {rule_fact.concept}/{rule_fact.period}={rule_fact.value}{rule_fact.unit or ''}，"
        f"LLM 读作 {llm_fact.concept}/{llm_fact.period}={llm_fact.value}{llm_fact.unit or ''}",
        facts=[rule_fact.id],
        expected=rule_fact.value,
        actual=llm_fact.value,
        span=llm_fact.span,
    )


_ECHO = re.compile(r"^.*—\s*|^[\d.、\s]+")


def _strip_echo(label: str) -> str:
    """A name without an echoed list line ('54208万元 — 拨付离退休费' → '拨付离退休费') or item number."""
    return _ECHO.sub("", label).strip()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)
