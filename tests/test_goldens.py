"""The goldens themselves: valid files, verbatim quotes, exact placeholder offsets, schema in sync."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import yaml
from conftest import EXPECTED, ROOT, STEMS, read_report

from schemas.golden import GoldenFacts, GoldenFindings, GoldenIndicators, GoldenPlaceholders


def _load(stem: str, name: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((EXPECTED / stem / f"{name}.yaml").read_text(encoding="utf-8"))


def _digits_in(value: str, quote: str) -> bool:
    """The value appears in the quote as written (thousands separators, full-width digits and float artifacts allowed)."""
    if value == "0" and "无" in quote:
        return True  # a nothing-statement is a stated zero (goldens/corpus/README.md)
    plain = quote.replace(",", "").replace("，", "")
    plain = plain.translate(str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}))
    if value in plain:
        return True
    # chart dumps: 1257.1199999999999 stands for 1257.12
    return any(abs(Decimal(n) - Decimal(value)) < Decimal("0.000001") for n in re.findall(r"\d+\.\d{8,}", plain))


def test_golden_files_validate(stem: str) -> None:
    GoldenFacts.model_validate(_load(stem, "facts"))
    GoldenPlaceholders.model_validate(_load(stem, "placeholders"))
    GoldenFindings.model_validate(_load(stem, "findings"))


def test_fact_quotes_are_verbatim_and_hold_their_value(stem: str) -> None:
    raw = read_report(stem)
    facts = GoldenFacts.model_validate(_load(stem, "facts"))
    for f in facts.facts:
        assert f.quote in raw, f.quote
        assert _digits_in(f.value, f.quote), (f.value, f.quote)
    for e in facts.excluded:
        assert e.quote in raw, e.quote


def test_indicator_quotes_are_verbatim_and_hold_their_value(stem: str) -> None:
    path = EXPECTED / stem / "indicators.yaml"
    if not path.exists():
        pytest.skip("no indicator goldens for this report yet")
    raw = read_report(stem)
    for ind in GoldenIndicators.model_validate(_load(stem, "indicators")).indicators:
        assert ind.quote in raw, ind.quote
        assert _digits_in(ind.value, ind.quote.replace(" ", "")), (ind.value, ind.quote)


def test_placeholder_offsets_are_exact(stem: str) -> None:
    raw = read_report(stem)
    for p in GoldenPlaceholders.model_validate(_load(stem, "placeholders")).placeholders:
        assert raw[p.start : p.end] == p.text
        if p.context:
            assert p.context in raw and p.text in p.context


def test_finding_quotes_are_verbatim_and_concepts_exist(stem: str) -> None:
    raw = read_report(stem)
    concepts = {f.concept for f in GoldenFacts.model_validate(_load(stem, "facts")).facts}
    for g in GoldenFindings.model_validate(_load(stem, "findings")).findings:
        for q in g.quotes:
            assert q in raw, q
        assert set(g.concepts) <= concepts, set(g.concepts) - concepts


def test_seed_copies_are_unchanged() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.exists():
        pytest.skip("shared seeds not beside the checkout")
    for stem in STEMS:
        assert (shared / f"{stem}.txt").read_bytes() == (ROOT / "goldens" / "reports" / f"{stem}.txt").read_bytes()


def test_golden_schema_is_committed_and_current() -> None:
    from schemas.export import golden_schema

    committed = json.loads((ROOT / "goldens" / "golden.schema.json").read_text(encoding="utf-8"))
    assert committed == golden_schema(), "run `make schemas` to regenerate goldens/golden.schema.json"


def test_document_schema_is_committed_and_current() -> None:
    from schemas.export import document_schema

    committed = json.loads((ROOT / "schemas" / "document.schema.json").read_text(encoding="utf-8"))
    assert committed == document_schema(), "run `make schemas` to regenerate schemas/document.schema.json"
