"""Labels: what each document used, who decided it, user overrides, the model's answers, the lexicon command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.document import process_raw
from pipeline.errors import InputError
from pipeline.ingest import RawDocument
from pipeline.labels_report import label_report
from pipeline.rules.labels import label_key, load_overrides

TEXT = (
    "一、收入支出决算总体情况说明\n"
    "2021年度本年收入合计381.13万元。2021年度公车运行开支12.50万元。\n"
    "项目\t金额\n基本支出\t300.00\n垫付款项\t81.13\n"
)


def _doc(text: str = TEXT) -> RawDocument:
    return RawDocument("t.txt", text, "0" * 64, "txt")


def _concepts(result: object) -> set[tuple[str, str]]:
    return {(f.concept, f.value) for f in [*result.facts, *result.tables]}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("一、财政拨款", "财政拨款"),
        ("其中：（1）公务用车运行维护费", "公务用车运行维护费"),
        ("2021年度 公车运行开支", "公车运行开支"),
        ("“三公”经费：", "三公经费"),
    ],
)
def test_label_key_drops_numbering_years_spaces_and_punctuation(text: str, key: str) -> None:
    assert label_key(text) == key


def test_every_label_is_recorded_with_who_decided_it() -> None:
    result = process_raw(_doc())
    by = {(u.where, u.label): (u.concept, u.decided_by) for u in result.labels}
    assert by[("prose", "本年收入合计")] == ("income_total", "lexicon")
    assert by[("prose", "公车运行开支")] == (None, "none")
    assert by[("row", "垫付款项")] == (None, "none")
    assert ("sg_vehicle_operation", "12.50") not in _concepts(result)


def test_an_override_settles_an_unknown_label_and_beats_the_lexicon() -> None:
    overrides = {"公车运行开支": "sg_vehicle_operation", "本年收入合计": None}
    result = process_raw(_doc(), overrides=overrides)
    facts = _concepts(result)
    assert ("sg_vehicle_operation", "12.50") in facts
    assert ("income_total", "381.13") not in facts  # the user said it is no figure
    by = {u.label: (u.concept, u.decided_by) for u in result.labels if u.where == "prose"}
    assert by["公车运行开支"] == ("sg_vehicle_operation", "override")
    assert by["本年收入合计"] == (None, "override")


def test_the_labeller_is_asked_once_for_the_unknown_labels_and_its_answers_are_read_back() -> None:
    asked: list[list[str]] = []

    def labeller(labels: list[str]) -> dict[str, str | None]:
        asked.append(labels)
        return {"公车运行开支": "sg_vehicle_operation", "垫付款项": None}

    result = process_raw(_doc(), labeller=labeller)
    assert asked == [sorted(["公车运行开支", "垫付款项"])]
    assert ("sg_vehicle_operation", "12.50") in _concepts(result)
    by = {u.label: (u.concept, u.decided_by) for u in result.labels}
    assert by["公车运行开支"] == ("sg_vehicle_operation", "model")
    assert by["垫付款项"] == (None, "model")


def test_overrides_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "ok.yaml"
    good.write_text(
        "labels:\n  一、公车运行开支: sg_vehicle_operation\n  垫付款项: none\n  其他: func:2080505\n", "utf-8"
    )
    assert load_overrides(good) == {"公车运行开支": "sg_vehicle_operation", "垫付款项": None, "其他": "func:2080505"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("labels:\n  公车运行开支: vehicle_costs\n", "utf-8")
    with pytest.raises(InputError, match="unknown concept 'vehicle_costs'"):
        load_overrides(bad)
    bad.write_text("- just a list\n", "utf-8")
    with pytest.raises(InputError, match="`labels:` mapping"):
        load_overrides(bad)


def test_lexicon_command_lists_the_labels_of_a_run_and_overrides_settle_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(2):
        (inputs / f"r{n}.txt").write_text(TEXT, "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(inputs), "--out", str(out), "--llm", "none", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["lexicon", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "公车运行开支" in printed and "none" in printed
    rows = (out / "labels.csv").read_text("utf-8").splitlines()
    assert rows[0] == "label,where,concept,decided_by,documents,uses,table_kinds"
    assert "公车运行开支,prose,,none,2,2," in rows
    todo = (out / "labels-unknown.yaml").read_text("utf-8")
    assert '# "公车运行开支":' in todo
    overrides = tmp_path / "mine.yaml"
    overrides.write_text("labels:\n  公车运行开支: sg_vehicle_operation\n", "utf-8")
    assert main(["check", str(inputs / "r0.txt"), "--lexicon-overrides", str(overrides)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(f["concept"] == "sg_vehicle_operation" and f["value"] == "12.50" for f in doc["facts"])
    # a rerun with the overrides redoes the documents (other settings, other results)
    assert (
        main(["run", str(inputs), "--out", str(out), "--llm", "none", "--quiet", "--lexicon-overrides", str(overrides)])
        == 0
    )
    assert "2 processed" in capsys.readouterr().err


def test_lexicon_command_on_a_folder_that_is_no_run_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lexicon", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not the output folder of a run" in err[0]


def test_a_label_unknown_in_most_documents_shows_no_concept(tmp_path: Path) -> None:
    docs = tmp_path / "run" / "docs"
    docs.mkdir(parents=True)
    use = {"label": "一般公共预算资金", "where": "row", "count": 1, "table_kind": "收入表"}
    decided = [("none", None), ("none", None), ("lexicon", "inc_general_budget")]
    for n, (by, concept) in enumerate(decided):
        doc = {"labels": [{**use, "decided_by": by, "concept": concept}]}
        (docs / f"d{n}.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    report = label_report(tmp_path / "run")
    assert [(r.label, r.decided_by, r.concept, r.documents) for r in report.rows] == [
        ("一般公共预算资金", "none", "", 3)
    ]
    assert '# "一般公共预算资金":' in report.unknown_path.read_text("utf-8")
