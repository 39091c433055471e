"""Versioned prompt files (`prompts/<name>.v<N>.md`) and the one function that renders them.

A prompt file holds the system message, a line `---`, then the user message. Variables are `${name}`; a variable
the file uses but the caller does not give is an error, never an empty string. Tasks may share a prompt: the
money and staff figure lists are one prompt (`figures`), so their requests begin with the same instructions and
the server's prefix cache evaluates them once for a run of both (the answer's shape comes from each task's own
schema, which the server enforces by a grammar and does not put in the prompt).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from pipeline.errors import ConfigError

PROMPT_DIR = Path(__file__).resolve().parent.parent.parent / "prompts"
PROMPTS: dict[str, str] = {
    "money": "figures.v1",
    "staff": "figures.v1",
    "projects": "projects.v2",
    "scores": "scores.v2",
    "indicators": "indicators.v3",
    "labels": "labels.v2",
}


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt: its id (`figures.v1`, part of the cache key) and its two messages."""

    id: str
    system: str
    user: str


@cache
def _load(prompt_id: str) -> tuple[str, str]:
    path = PROMPT_DIR / f"{prompt_id}.md"
    if not path.exists():
        raise ConfigError(f"prompt file {path.name} not found in {PROMPT_DIR}")
    system, sep, user = path.read_text(encoding="utf-8").partition("\n---\n")
    if not sep:
        raise ConfigError(f"prompt file {path.name} has no '---' line between system and user message")
    return system.strip(), user.strip()


def prompt_id(task: str) -> str:
    """The current versioned id of a task's prompt (`money` → `figures.v1`)."""
    if task not in PROMPTS:
        raise ConfigError(f"no prompt for task {task!r}; known: {', '.join(sorted(PROMPTS))}")
    return PROMPTS[task]


def render(task: str, **variables: str) -> Prompt:
    """Render a task's current prompt; raise `ConfigError` naming any variable the file needs but did not get."""
    pid = prompt_id(task)
    system, user = _load(pid)
    try:
        return Prompt(pid, Template(system).substitute(variables), Template(user).substitute(variables))
    except KeyError as e:
        raise ConfigError(f"prompt {pid} needs variable {e.args[0]!r}, which was not given") from e
    except ValueError as e:
        raise ConfigError(f"prompt {pid} is malformed: {e}") from e
