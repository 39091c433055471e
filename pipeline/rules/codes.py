"""The function-class codes a report prints in its own tables, by name: what its prose names resolve to.

A report's prose names classes (`法院（款）行政运行（项）支出 17279.29 万元` under `（一）公共安全（类）`) while its
tables print the codes (`2040501 行政运行`). The same name (行政运行) exists under many 款, so a name is resolved
under its parent, from the report's own tables first and the lexicon's classification second.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

from pipeline.rules.vocab import FUNC_CODES
from pipeline.segment import Segmented

_DIGITS = re.compile(r"^\d+$")
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、|^\d+[.．、]\s*|^[（(][一二三四五六七八九十\d]+[）)]")
_AMOUNT = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


def compact_name(name: str) -> str:
    """A class name as compared: no spaces, numbering, quotes or trailing 支出."""
    name = _NUMBERING.sub("", re.sub(r"[\s“”\"]+", "", name))
    return name.removesuffix("支出") if len(name) > 3 else name


def dice(a: str, b: str) -> Fraction:
    """Character-bigram Dice similarity of two names (an exact fraction: no floats on the rules path)."""
    ga = {a[i : i + 2] for i in range(len(a) - 1)} or {a}
    gb = {b[i : i + 2] for i in range(len(b) - 1)} or {b}
    return Fraction(2 * len(ga & gb), len(ga) + len(gb))


def closest(names: Mapping[str, str], want: str) -> str | None:
    """The code of the one name close to `want` (Dice >= 0.7, no tie): a report's typo (一般行政事务管理)."""
    scored = sorted(((dice(want, n), c) for n, c in names.items()), reverse=True)
    if scored and scored[0][0] >= Fraction(7, 10) and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


@cache
def lexicon_children(parent: str) -> dict[str, str]:
    """The lexicon's classes right under `parent` (a 类 or 款 code), by compared name."""
    return {
        compact_name(alias): code
        for code, aliases in FUNC_CODES.items()
        if code.startswith(parent) and len(code) == len(parent) + 2
        for alias in aliases
    }


@dataclass
class DocCodes:
    """Codes by parent code and name, as the report's tables print them."""

    children: dict[str, dict[str, str]] = field(default_factory=dict)  # parent ('' for 类) -> name -> code

    def add(self, code: str, name: str) -> None:
        """Record one printed row."""
        parent = code[:-2] if len(code) > 3 else ""
        self.children.setdefault(parent, {}).setdefault(compact_name(name), code)

    def child(self, parent: str | None, name: str) -> str | None:
        """The code of `name` under `parent` ('' or None: a 类), exactly or by a close name (a report's typo)."""
        names = self.children.get(parent or "", {})
        want = compact_name(name)
        return names[want] if want in names else closest(names, want)

    def __bool__(self) -> bool:
        return bool(self.children)


def collect(seg: Segmented, text: str) -> DocCodes:
    """Every (code, name) row the document's tables print: leading code cells, then the name cell."""
    codes = DocCodes()
    for section in seg.sections:
        for block in section.blocks:
            if block.kind != "table":
                continue
            for row in block.rows:
                _row(codes, [c.text.strip() for c in row])
    return codes


def _row(codes: DocCodes, cells: list[str]) -> None:
    parts: list[str] = []
    for cell in cells:
        if not cell:
            continue
        if (_DIGITS.match(cell) and len(cell) <= 7 and not parts) or (_DIGITS.match(cell) and len(cell) == 2 and parts):
            parts.append(cell)
            continue
        if parts and not _AMOUNT.match(cell):
            code = "".join(parts)
            if len(code) in (3, 5, 7) and code[0] == "2":
                codes.add(code, cell)
        return
