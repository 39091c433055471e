"""Prompt files: every task renders; a missing variable is an error, never an empty string."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.llm.prompts import PROMPTS, render


@pytest.mark.parametrize("task", sorted(set(PROMPTS) - {"labels"}))
def test_every_task_renders_with_its_text(task: str) -> None:
    prompt = render(
        task, section="收入决算情况说明", unit="万元", text="本年收入合计381.13万元", figures="1. 381.13万元"
    )
    assert prompt.id == PROMPTS[task]
    assert "本年收入合计381.13万元" in prompt.user and "${" not in prompt.user + prompt.system
    assert "JSON" in prompt.system


def test_the_label_prompt_lists_the_concepts_and_the_labels() -> None:
    from pipeline.llm.labels import concept_list

    prompt = render("labels", concepts=concept_list(), labels="1. 公车运行开支")
    assert "sg_vehicle_operation: 公务用车运行（维护）费" in prompt.system and "1. 公车运行开支" in prompt.user
    assert "JSON" in prompt.system and "${" not in prompt.user + prompt.system


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'text'"):
        render("money", section="收入决算", unit="万元")


def test_unknown_task_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no prompt"):
        render("everything", text="")
