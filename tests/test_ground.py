"""Grounding: a model's number counts only where it occurs in the chunk, as a whole number token."""

from __future__ import annotations

import pytest

from pipeline.ground import label_positions, locate


@pytest.mark.parametrize(
    ("value", "text", "found", "unit"),
    [
        pytest.param("381.13万元", "本年收入合计381.13万元", "381.13", "万元", id="plain"),
        pytest.param("3162923.00元", "合计3,162,923.00元", "3,162,923.00", "元", id="thousands-separators"),
        pytest.param("1183.11", "支出\t1183.1099999999999\t", "1183.1099999999999", None, id="chart-float-artifact"),
        pytest.param("88.62%", "占88.62%", "88.62", "%", id="percent"),
        pytest.param("13万元", "合计381.13万元", None, None, id="no-piece-of-a-longer-number"),
        pytest.param("2020", "2020年度收支总计", None, None, id="a-year-is-not-a-figure"),
        pytest.param("999.99万元", "本年收入合计381.13万元", None, None, id="absent"),
        pytest.param("约四十万元", "四十万元", None, None, id="no-digits"),
    ],
)
def test_locate(value: str, text: str, found: str | None, unit: str | None) -> None:
    loc = locate(value, text)
    if found is None:
        assert loc is None
    else:
        assert loc is not None and text[loc.start : loc.end] == found and loc.unit == unit


def test_the_occurrence_closest_after_the_label_wins() -> None:
    text = "基本支出300.02万元；项目支出300.02万元"
    loc = locate("300.02万元", text, label_positions("项目支出", text))
    assert loc is not None and loc.start == text.rindex("300.02")


def test_label_positions_ignore_whitespace() -> None:
    assert label_positions("公务 接待费", "其中公务接待费1万元") == [2]
