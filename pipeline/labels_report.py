"""`budget-extract lexicon OUT_DIR`: every label a run's documents used, its concept and who decided it.

Reads the document JSONs of a run (`OUT_DIR/docs/*.json`, their `labels`), adds the uses up across documents,
and writes `OUT_DIR/labels.csv` (every label) and `OUT_DIR/labels-unknown.yaml` (the labels nobody knows, most
used first, each as a commented line ready to be filled in and passed back with `--lexicon-overrides`).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError

FIELDS = ("label", "where", "concept", "decided_by", "documents", "uses", "table_kinds")


@dataclass
class LabelRow:
    """One label across a run."""

    label: str
    where: str
    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (decided_by, concept or '') per document
    deciders: Counter[str] = field(default_factory=Counter)
    documents: int = 0
    uses: int = 0
    table_kinds: Counter[str] = field(default_factory=Counter)

    @property
    def concept(self) -> str:
        """The concept its most frequent decider read it as most often ('' for none).

        A label nobody knows in most documents shows no concept, even where a table's own lines read it in a few.
        """
        by = self.decided_by
        read = Counter({c: n for (who, c), n in self.decisions.items() if who == by and c})
        return read.most_common(1)[0][0] if read else ""

    @property
    def decided_by(self) -> str:
        """Who decided it most often."""
        return self.deciders.most_common(1)[0][0]


@dataclass
class LabelReport:
    """The labels of a run and where the report files went."""

    rows: list[LabelRow]
    documents: int
    csv_path: Path
    unknown_path: Path

    def render(self, top: int) -> str:
        """A summary for the terminal: counts by decider, then the most used labels nobody knows."""
        by = Counter(r.decided_by for r in self.rows)
        lines = [
            f"{len(self.rows)} distinct labels in {self.documents} documents: "
            + ", ".join(f"{n} {who}" for who, n in by.most_common()),
            f"all labels: {self.csv_path}",
            f"unknown labels, ready to settle with --lexicon-overrides: {self.unknown_path}",
            "",
            f"{'documents':>9} {'uses':>6}  {'where':<5}  {'decided_by':<10}  {'concept':<24}  label",
        ]
        for r in self.rows[:top]:
            concept = r.concept or "-"
            lines.append(f"{r.documents:>9} {r.uses:>6}  {r.where:<5}  {r.decided_by:<10}  {concept:<24}  {r.label}")
        return "\n".join(lines) + "\n"


def label_report(out: str | Path) -> LabelReport:
    """Add up the labels of every document JSON of a run and write the two report files."""
    root = Path(out)
    docs = sorted((root / "docs").glob("*.json")) if (root / "docs").is_dir() else []
    if not docs:
        raise InputError(str(root), "no document JSON under docs/: not the output folder of a run")
    rows: dict[tuple[str, str], LabelRow] = {}
    for path in docs:
        try:
            uses = json.loads(path.read_text(encoding="utf-8")).get("labels") or []
        except (OSError, ValueError) as e:
            raise InputError(str(path), f"unreadable document JSON ({e})") from e
        for use in uses:
            row = rows.setdefault((use["label"], use["where"]), LabelRow(use["label"], use["where"]))
            row.documents += 1
            row.uses += use["count"]
            row.deciders[use["decided_by"]] += 1
            row.decisions[use["decided_by"], use.get("concept") or ""] += 1
            if use.get("table_kind"):
                row.table_kinds[use["table_kind"]] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.decided_by != "none", -r.documents, -r.uses, r.label))
    csv_path, unknown_path = root / "labels.csv", root / "labels-unknown.yaml"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for r in ordered:
            kinds = ";".join(k for k, _ in r.table_kinds.most_common())
            w.writerow([r.label, r.where, r.concept, r.decided_by, r.documents, r.uses, kinds])
    unknown = [r for r in ordered if r.decided_by == "none"]
    lines = [
        "# Labels the lexicon does not know, most used first. Uncomment a line and give its concept (a lexicon",
        "# concept id, func:<code>, econ:<code>, project:<name>) or none, then pass this file with",
        "# --lexicon-overrides: it settles the label in every report.",
        "labels:",
    ]
    lines += [f"  # {json.dumps(r.label, ensure_ascii=False)}:   # {r.where}, {r.documents} documents" for r in unknown]
    if not unknown:
        lines[-1] = "labels: {}"
    unknown_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return LabelReport(ordered, len(docs), csv_path, unknown_path)
