"""Small, targeted answer schemas for the LLM, one per section type (DESIGN §4).

The field descriptions reach the model through the JSON schema, so they say exactly what to copy: labels and
numbers **verbatim**, with the unit as written. The model never adds, converts or rounds; the code parses every
number with `pipeline.numbers` and grounds it in the chunk it came from.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_VERBATIM_NUMBER = (
    "The figure copied character for character from the text, with its unit if one is written right after it "
    "(e.g. '381.13万元', '88.62%', '42名', '3,162,923.00'). Never compute, round or convert units."
)


def _drop_titles(schema: dict[str, Any]) -> None:
    """No `title` keys on fields: they repeat the field names and only lengthen every prompt carrying the schema.

    The model's own title stays: it names the tool.
    """
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=_drop_titles)


class Figure(_Answer):
    """One figure of a narrative sentence or table row, with the label it belongs to."""

    label: str = Field(
        description="The item the figure belongs to, copied verbatim from the text "
        "(e.g. '一般公共预算财政拨款收入', '公务接待费', '在职职工')."
    )
    value: str = Field(description=_VERBATIM_NUMBER)


class MoneyFigures(_Answer):
    """Money figures (and their shares or changes) stated in a budget or final-accounts section."""

    figures: list[Figure] = Field(
        default_factory=list,
        description="Every amount, share (占X%) and year-on-year change stated in the text, in reading order.",
    )


class StaffFigures(_Answer):
    """Head counts, vehicles and similar counts stated in a department overview."""

    figures: list[Figure] = Field(
        default_factory=list,
        description="Every count of people, posts or vehicles stated in the text (编制, 在职, 退休, 车辆...).",
    )


class ProjectRow(_Answer):
    """One project of a project performance table or narrative."""

    name: str = Field(description="The project name copied verbatim (e.g. '助征员费用').")
    budget: str | None = Field(default=None, description="预算数 / 年初预算数 of the project. " + _VERBATIM_NUMBER)
    executed: str | None = Field(default=None, description="执行数 / 实际支出 of the project. " + _VERBATIM_NUMBER)
    rate: str | None = Field(
        default=None, description="执行率 / 完成率 of the project, e.g. '100%'. " + _VERBATIM_NUMBER
    )


class ProjectTable(_Answer):
    """Projects with their budget, executed amount and execution rate."""

    projects: list[ProjectRow] = Field(default_factory=list, description="Every project named with figures.")


class ScoreRow(_Answer):
    """One row of a performance score table."""

    group: str | None = Field(
        default=None,
        description="The 二级指标 the row belongs to, verbatim (carry it down from the row above when its cell is "
        "empty); null for a row that is itself a 二级指标 subtotal.",
    )
    indicator: str = Field(description="The row's 三级指标 name verbatim (the 二级指标 name for a subtotal row).")
    max_score: str | None = Field(default=None, description="分值 / 权重 of the row. " + _VERBATIM_NUMBER)
    score: str | None = Field(default=None, description="得分 / 自评得分 of the row. " + _VERBATIM_NUMBER)


class ScoreTable(_Answer):
    """Rows of a performance self-assessment score table."""

    rows: list[ScoreRow] = Field(default_factory=list, description="Every scored row, in table order.")


class FigureName(_Answer):
    """The name of one numbered figure of the list the code found in the text."""

    figure: str = Field(description="The listed figure, copied as it is listed (e.g. '34736人', '100%').")
    label: str = Field(
        description="What the figure counts or measures, copied from the words of the text around it, with the "
        "subject it is about (e.g. '城镇企业职工基本养老保险参保人数', '征收工伤保险基金', '离退休费社会化发放率'). "
        "Empty when the number is not a measured figure (a date, an item number, part of a name)."
    )


class IndicatorNames(_Answer):
    """Names for the figures of a narrative or indicator table (参保人数, 征缴金额, 满意度...)."""

    labels: list[FigureName] = Field(default_factory=list, description="One entry per listed figure, in list order.")


ANSWER_MODELS: dict[str, type[BaseModel]] = {
    "money": MoneyFigures,
    "staff": StaffFigures,
    "projects": ProjectTable,
    "scores": ScoreTable,
    "indicators": IndicatorNames,
}


def schema_version(model: type[BaseModel]) -> str:
    """A short hash of the model's JSON schema: changes whenever a field or a description changes."""
    text = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
