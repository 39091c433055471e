"""Document metadata of the five sample reports (verified by reading each report)."""

from __future__ import annotations

import pytest
from conftest import read_report

from pipeline.clean import clean
from pipeline.meta import detect_meta, unit_name
from pipeline.segment import segment


@pytest.mark.parametrize(
    ("stem", "unit_name_", "year", "doc_type"),
    [
        pytest.param("000_71be4926d984000e", "开江县社会保险事业管理局", 2020, "决算", id="000"),
        pytest.param("001_075cd51c8785aeb9", "攀枝花市社会保险事务中心", 2019, "决算", id="001"),
        pytest.param("002_5ea74facb4b235f4", "新宁县社会养老保险服务中心", 2022, "绩效自评", id="002"),
        pytest.param("003_7c46becd3f9fd372", "万源市社会保险事业管理局", 2021, "预算", id="003"),
        pytest.param("004_ec93d5c4c31f7204", "米易县城乡居民养老保险事务中心", 2021, "决算", id="004"),
    ],
)
def test_meta_of_sample_reports(stem: str, unit_name_: str, year: int, doc_type: str) -> None:
    ct = clean(read_report(stem))
    meta = detect_meta(ct.text, segment(ct))
    assert (meta.unit_name, meta.fiscal_year, meta.doc_type, meta.unit) == (unit_name_, year, doc_type, "万元")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "核定开江县社会保险事业管理局编制42名。\n开江县社会保险事业管理局\n",
            "开江县社会保险事业管理局",
            id="title-line",
        ),
        pytest.param(
            "《新宁县财政局关于开展绩效自评的通知》\n新宁县社会养老保险服务中心\n",
            "新宁县社会养老保险服务中心",
            id="cited-document-ignored",
        ),
        pytest.param("指导全县各乡镇社会事务综合服务中心开展工作。", None, id="全县-is-not-a-place"),
    ],
)
def test_unit_name_cases(text: str, expected: str | None) -> None:
    assert unit_name(text) == expected


def test_section_units() -> None:
    from conftest import REPORTS

    from pipeline.document import process_file

    result = process_file(REPORTS / "003_7c46becd3f9fd372.txt")
    units = {s.title: s.unit for s in result.sections}
    assert units["部门收支总表"] == "元"
    assert units["2021年“三公”经费预算财政拨款情况统计表"] == "万元"
    assert units["三、收支预算总体情况"[2:]] == "万元"
