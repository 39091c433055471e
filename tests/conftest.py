"""Shared fixtures: the five sample reports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the benchmarks (bench/) are imported by the tests of the harnesses they hold
    sys.path.insert(0, str(ROOT))
REPORTS = ROOT / "goldens" / "reports"
EXPECTED = ROOT / "goldens" / "expected"
STEMS = sorted(p.stem for p in REPORTS.glob("*.txt"))


def read_report(stem: str) -> str:
    return (REPORTS / f"{stem}.txt").read_text(encoding="utf-8")


@pytest.fixture(params=STEMS)
def stem(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _no_llm_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never start a model or reach an endpoint unless they ask: `run` without --llm means none here."""
    monkeypatch.setenv("BUDGET_EXTRACT_LLM", "none")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
