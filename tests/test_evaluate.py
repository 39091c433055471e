"""Scoring of findings against goldens: which predicted findings a golden finding matches."""

from __future__ import annotations

from pipeline.document import process_raw
from pipeline.evaluate import score_findings
from pipeline.ingest import RawDocument
from schemas.golden import GoldenFinding, GoldenFindings

# The 三公 total is stated nowhere, the stated shares sum to 100: they are checked against 出国 + 公车 + 接待 =
# 584.35. 26.72 is off (26.79); 18.85 and 54.43 are within the rounding of the prose's 110 and 317.8.
SANGONG_UNSTATED = (
    "2017年度一般公共预算拨款安排的“三公”经费预算支出中，因公出国（境）费支出110万元，占“三公”经费的18.85%；"
    "公务用车购置及运行费支出317.8万元，占“三公”经费的54.43%；公务接待费支出156.55万元，占“三公”经费的26.72%。\n"
)


def _golden(*shares: str) -> GoldenFindings:
    findings = [
        GoldenFinding(rule="share.stated", severity="error", concepts=[c, "sangong_total"], explanation="test")
        for c in shares
    ]
    return GoldenFindings(report="t", findings=findings)


def test_a_share_of_the_summed_sangong_total_matches_the_golden_naming_sangong_total() -> None:
    result = process_raw(RawDocument("t", SANGONG_UNSTATED, "0" * 64, "txt"))
    assert [(f.rule, f.severity) for f in result.findings] == [("share.stated", "error")]
    assert score_findings(_golden("sg_reception"), result) == (1, [], [])


def test_a_summed_basis_matches_only_the_golden_of_its_own_share() -> None:
    result = process_raw(RawDocument("t", SANGONG_UNSTATED, "0" * 64, "txt"))
    matched, missed, alarms = score_findings(_golden("sg_overseas"), result)
    assert (matched, len(missed), len(alarms)) == (0, 1, 1)
