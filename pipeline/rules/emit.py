"""Build `Fact` objects from what the rules found: parse the number, convert units, map spans to raw text."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.clean import CleanText
from pipeline.numbers import parse_number, plain, to_wan
from pipeline.rules.codes import DocCodes
from pipeline.segment import Segmented
from schemas.document import Fact, Measure, Period

ROW_PREFIXES = ("func:", "econ:", "project:", "score:")


@dataclass
class Emitter:
    """Collects facts for one document, numbering them and dropping exact repeats of one statement."""

    ct: CleanText
    seg: Segmented
    codes: DocCodes = field(default_factory=DocCodes)  # the report's own code table (names in prose)
    fiscal_year: int | None = None
    func_class: str | None = None  # the function class the prose is in (（一）公共安全（类）)
    prose_fund: str | None = None  # whose money the prose is about (its heading or lead-in line)
    project: str | None = None  # the project a 项目情况说明 is about (科技创新专项经费情况说明)
    facts: list[Fact] = field(default_factory=list)
    rows: list[Fact] = field(default_factory=list)
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    _offset: int = 0

    def fork(self) -> Emitter:
        """An emitter that collects into its own lists (numbered after this one's), for a trial reading."""
        trial = Emitter(self.ct, self.seg, self.codes, self.fiscal_year, self.func_class, self.prose_fund, self.project)
        trial.facts, trial.rows = [], []
        trial._seen = set(self._seen)
        trial._offset = len(self.facts) + len(self.rows) + self._offset
        return trial

    def adopt(self, trial: Emitter) -> None:
        """Keep what a trial reading found."""
        self.facts.extend(trial.facts)
        self.rows.extend(trial.rows)
        self._seen = trial._seen

    def add_zero(self, concept: str, period: Period, start: int, end: int) -> Fact | None:
        """A figure the report states by saying it has none (无政府性基金预算…故本表为空表): an exact zero."""
        key = (concept, period, "amount", None, "0", start)
        if key in self._seen:
            return None
        self._seen.add(key)
        section = self.seg.section_at(start)
        fact = Fact(
            id=f"f{self._offset + len(self.facts) + len(self.rows) + 1}",
            concept=concept,
            period=period,
            value="0",
            unit="万元",
            value_wan="0",
            decimals=6,  # nothing is exactly zero
            text=self.ct.text[start:end].strip(),
            span=self.ct.raw_span(start, end),
            section=section.title if section else None,
            measure="amount",
            label="nothing stated",
        )
        self.facts.append(fact)
        return fact

    def add(
        self,
        concept: str,
        period: Period,
        measure: Measure,
        start: int,
        end: int,
        unit: str | None,
        *,
        scope: str | None = None,
        direction: str | None = None,
        label: str | None = None,
        snippet: tuple[int, int] | None = None,
        table: str | None = None,
        row: int | None = None,
        column: str | None = None,
        table_kind: str | None = None,
        row_code: str | None = None,
        fund: str | None = None,
    ) -> Fact | None:
        """Record the number at clean [start, end) as a fact; returns None for repeats or non-numbers."""
        written = self.ct.text[start:end]
        try:
            number = parse_number(written)
        except ValueError:
            return None
        key = (concept, period, measure, scope, number.text, start)
        if key in self._seen:
            return None
        self._seen.add(key)
        wan = to_wan(number.value, unit) if measure == "amount" else None
        s0, s1 = snippet or (start, end)
        section = self.seg.section_at(start)
        fact = Fact(
            id=f"f{self._offset + len(self.facts) + len(self.rows) + 1}",
            concept=concept,
            period=period,
            value=number.text,
            unit=unit,
            value_wan=plain(wan) if wan is not None else None,
            decimals=number.decimals,
            text=self.ct.text[s0:s1].strip(),
            span=self.ct.raw_span(start, end),
            section=section.title if section else None,
            extractor="rules",
            measure=measure,
            scope=scope,
            direction=direction,
            label=label,
            table=table,
            row=row,
            column=column,
            table_kind=table_kind,
            row_code=row_code,
            fund=fund if table is not None else (self.prose_fund if concept.startswith(("func:", "econ:")) else None),
        )
        (self.rows if concept.startswith(ROW_PREFIXES) else self.facts).append(fact)
        return fact
