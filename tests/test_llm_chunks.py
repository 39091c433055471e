"""Chunking and routing: chunks map back to clean text, tables keep whole rows and repeat their header."""

from __future__ import annotations

import pytest
from conftest import STEMS, read_report

from pipeline.document import parse
from pipeline.ingest import RawDocument
from pipeline.llm.chunks import chunk_document, estimate_tokens, figure_spans, split_chunk


def chunks_of(text: str, budget: int = 500):  # type: ignore[no-untyped-def]
    parsed = parse(RawDocument("t.txt", text, "0" * 64, "txt"))
    return parsed, chunk_document(parsed.seg, parsed.clean.text, budget)


@pytest.mark.parametrize("stem", STEMS)
def test_every_piece_maps_back_to_clean_text(stem: str) -> None:
    parsed, chunks = chunks_of(read_report(stem))
    assert chunks
    for chunk in chunks:
        for p in chunk.pieces:
            clean = parsed.clean.text[p.clean_start : p.clean_start + p.length]
            assert chunk.text[p.at : p.at + p.length] == clean.replace("\t", " ").replace("\n", " ")


TABLE = "（一）项目绩效目标完成情况表\n项目名称\t预算数\t执行数\t执行率\n" + "".join(
    f"第{i}个项目\t{i}0.5\t{i}0.5\t100%\n" for i in range(1, 40)
)


def test_a_split_table_repeats_its_header_and_never_cuts_a_row() -> None:
    _, chunks = chunks_of(TABLE, budget=120)
    tables = [c for c in chunks if c.task == "projects"]
    assert len(tables) > 2
    rows = []
    for c in tables:
        assert c.text.split("\n")[0 if c is not tables[0] else 1].startswith("项目名称")
        rows += [line for line in c.text.split("\n") if line.startswith("第")]
        assert all(estimate_tokens(c.text) <= 120 + 40 for c in tables)
    assert rows == [f"第{i}个项目 | {i}0.5 | {i}0.5 | 100%" for i in range(1, 40)]


@pytest.mark.parametrize(
    ("text", "task"),
    [
        pytest.param("一、部门概况\n核定编制42名。\n", "staff", id="overview-staff"),
        pytest.param("二、收入决算情况说明\n本年收入合计381.13万元。\n", "money", id="income-money"),
        pytest.param("（一）项目绩效目标完成情况表\n项目名称\t预算数\n甲\t40\n", "projects", id="project-table"),
        pytest.param(
            "部门整体支出绩效评价指标评分表\n二级指标\t分值\t得分\n预算配置\t19\t18\n", "scores", id="score-table"
        ),
    ],
)
def test_routing_by_section_kind_and_table_header(text: str, task: str) -> None:
    _, chunks = chunks_of(text)
    assert [c.task for c in chunks if figure_spans(c.text)] == [task]


def test_glossary_is_never_sent() -> None:
    _, chunks = chunks_of("名词解释\n1.财政拨款收入：指本年度从本级财政部门取得的财政拨款。\n")
    assert chunks == []


def test_split_chunk_halves_keep_offsets_and_header() -> None:
    parsed, chunks = chunks_of(TABLE, budget=10_000)
    [chunk] = [c for c in chunks if c.task == "projects"]
    first, second = split_chunk(chunk)
    assert second.text.split("\n")[0] == "项目名称 | 预算数 | 执行数 | 执行率"
    assert len(first.text) + len(second.text) > len(chunk.text)
    for part in (first, second):
        for p in part.pieces:
            clean = parsed.clean.text[p.clean_start : p.clean_start + p.length]
            assert part.text[p.at : p.at + p.length] == clean.replace("\t", " ").replace("\n", " ")


def test_years_dates_and_class_codes_are_not_figures() -> None:
    text = "2020年12月 2080109 行政运行 381.13"
    assert [text[s:e] for s, e in figure_spans(text)] == ["381.13"]


def test_code_cells_before_a_rows_label_are_not_figures() -> None:
    text = (
        "208 | 01 | 09 | 203101 | 社会保险经办机构 | 2,592,139.00 | 50,000.00\n"
        "3 | 公务用车 | 2\n"  # a row number, then a count after the label
        "0 | 12 | 3.50\n"  # a row of figures with no label: all figures
        "人数 12 人 | 合计 7"  # numbers inside cells that hold words
    )
    figures = [text[s:e] for s, e in figure_spans(text)]
    assert figures == ["2,592,139.00", "50,000.00", "2", "0", "12", "3.50", "12", "7"]


def test_a_unit_or_a_date_word_on_the_next_line_is_not_the_figures() -> None:
    from pipeline.ground import located_at

    text = "合计 | 257,070.00\n人力资源和社会保障 | 12\n年初结转 | 8.00"
    at = text.index("257,070.00")
    located = located_at(text, at, at + len("257,070.00"))
    assert located is not None and located.unit is None
    assert [text[s:e] for s, e in figure_spans(text)] == ["257,070.00", "12", "8.00"]


def test_a_money_request_lists_nothing_of_a_classification_row() -> None:
    from pipeline.llm.chunks import Chunk, Piece, class_row
    from pipeline.llm.stage import plan

    rows = ["30215 | 会议费 | 111.30", "208 | 01 | 09 | 社会保险经办机构 | 2,592.14", "会议费 | 271.02"]
    assert [class_row(r, len(r) - 1) for r in rows] == [True, True, False]
    assert not class_row("1 | 项目甲 | 100.00", 5) and not class_row("300 | 500.00", 5)  # a row number; figures
    text = "\n".join(rows)
    pieces = (Piece(0, 0, len(text)),)
    money = Chunk("c1", "s1", "三公经费", "table", "money", text, pieces)
    (request,) = plan([money], [], [])
    assert [figure for figure, _ in request.listed()] == ["271.02"]
    (projects,) = plan([Chunk("c2", "s1", "项目", "table", "projects", text, pieces)], [], [])
    assert len(projects.listed()) == 3  # project and indicator lists keep such rows


def _piece_chunk(cid: str, clean: str, start: int, end: int, task: str = "money"):  # type: ignore[no-untyped-def]
    from pipeline.llm.chunks import Chunk, Piece, figure_spans

    text = clean[start:end]
    return Chunk(
        cid, "s1", f"节{cid}", "paragraph", task, text, (Piece(0, start, len(text)),), tuple(figure_spans(text))
    )


def test_joined_chunks_keep_their_clean_offsets_figures_and_parts() -> None:
    from pipeline.llm.chunks import join

    clean = "本年收入合计381.13万元。\n无关的一段话。\n本年支出合计360.12万元，基本支出300.02万元。"
    first, second = _piece_chunk("c1", clean, 0, 16), _piece_chunk("c3", clean, clean.index("本年支出"), len(clean))
    joined = join([first, second])
    assert joined.id == "c1+c3" and joined.parts == (first, second) and joined.section_title == "节c1；节c3"
    assert [f for f, _ in joined.listed()] == ["381.13万元", "360.12万元", "300.02万元"]
    for s, e in joined.figures:  # every listed figure maps back to the same characters of the clean text
        span = joined.clean_span(s, e)
        assert span is not None and clean[span[0] : span[1]] == joined.text[s:e]
    second_at = joined.text.index("本年支出")
    assert joined.part_start(second_at + 3) == second_at and joined.part_start(3) == 0
    assert join([first]) is first and first.part_start(5) == 0


def test_requests_of_one_prompt_are_packed_within_the_token_and_figure_limits() -> None:
    from pipeline.llm import stage
    from pipeline.llm.chunks import estimate_tokens

    sentence = "本年支出合计360.12万元，基本支出300.02万元，项目支出60.10万元。"
    clean = "\n".join([sentence] * 30)
    step = len(sentence) + 1
    chunks = [_piece_chunk(f"c{i}", clean, i * step, i * step + len(sentence)) for i in range(30)]
    chunks.insert(10, _piece_chunk("s1", clean, 0, len(sentence), task="staff"))  # the same prompt: packed along
    chunks.insert(20, _piece_chunk("i1", clean, 0, len(sentence), task="indicators"))  # another: ends a pack
    chunks.insert(21, _piece_chunk("i2", clean, step, step + len(sentence), task="indicators"))  # never packed
    requests = stage.pack(chunks)
    assert [r.id for r in requests if r.task == "indicators"] == ["i1", "i2"]
    assert any("s1" in r.id.split("+") and r.task == "money" for r in requests)
    for r in requests:
        assert len(r.figures) <= stage.PACK_FIGURES
        if r.parts:
            assert sum(estimate_tokens(c.text) for c in r.parts) <= stage.PACK_TOKENS["money"]
    money = [r for r in requests if r.task == "money"]
    assert len(money) < 30 and sum(len(r.parts or (r,)) for r in money) == 31  # every chunk sent, once
    half = len(money[0].parts) // 2  # a truncated packed answer: the request splits back into its chunks
    assert stage._split(money[0]) == [stage.join(money[0].parts[:half]), stage.join(money[0].parts[half:])]
