"""Spreadsheet numbers written as the cell shows them, from the cell's number format, in `Decimal`.

A stored float such as 1183.1099999999999 is first read at a spreadsheet's precision (15 significant digits, the
shortest decimal that gives the same float) and only then rounded to the format's decimals (half away from zero,
as spreadsheets round), so no binary artifact reaches the text. Supported: `General`, digit placeholders `0 # ?`,
decimals, thousands separators, scaling commas (`#,##0,`), percent, the positive;negative;zero sections, quoted
and escaped literal text, `[$¥-804]` currency symbols (colours and conditions in brackets are ignored). Scientific
and fraction formats, which budget tables do not use, are written like `General`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_TOKEN = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|[Gg]eneral|[0#?]|[.,%@]|[Ee][+-]|.', re.DOTALL)
_SCIENTIFIC = re.compile(r"[Ee][+-]")
_PLACEHOLDERS = frozenset("0#?")


@dataclass(frozen=True)
class _Shape:
    """What one format section does to a number: text around it, decimals, grouping, scale, minimum digits."""

    prefix: str
    suffix: str
    general: bool = False
    places: int = 0
    keep: int = 0  # decimals always shown; up to `places` when the format has optional ones (0.0#)
    minimum: int = 0  # integer digits always shown (00 → 01)
    grouped: bool = False
    scale: Decimal = Decimal(1)
    text_only: bool = False  # a section without digits shows its text alone ("-", "N/A")


def format_number(value: int | float, number_format: str) -> str:
    """The number as a cell with this number format shows it (`1234.5`, `#,##0.00` → `1,234.50`)."""
    amount = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    sections = _sections(number_format)
    section, signed = sections[0], amount < 0
    if amount < 0 and len(sections) > 1 and sections[1]:
        section, signed = sections[1], False  # the negative section writes its own sign or brackets
    elif amount == 0 and len(sections) > 2:
        section = sections[2]
    text = _render(abs(amount), _shape(section))
    return "-" + text if signed and any(ch.isdigit() and ch != "0" for ch in text) else text


@lru_cache(maxsize=512)
def _sections(number_format: str) -> tuple[tuple[str, ...], ...]:
    """The format's `;`-separated sections as tokens (a `;` inside quotes or after a backslash is text)."""
    sections: list[tuple[str, ...]] = []
    current: list[str] = []
    for token in _TOKEN.findall(number_format):
        if token == ";":
            sections.append(tuple(current))
            current = []
        else:
            current.append(token)
    return (*sections, tuple(current))


@lru_cache(maxsize=1024)
def _shape(tokens: tuple[str, ...]) -> _Shape:
    """Read a section's tokens once: literal text before and after the digits, and the digits' shape."""
    if any(_SCIENTIFIC.fullmatch(t) for t in tokens) or "/" in tokens:
        tokens = ("General",)
    digits = [k for k, t in enumerate(tokens) if t in _PLACEHOLDERS or t.lower() == "general"]
    if not digits:
        text = _literal(tokens)
        return _Shape(text, "", general=not text, text_only=bool(text))
    first, last = digits[0], digits[-1]
    scale = Decimal(100) ** sum(1 for t in tokens if t == "%")
    tail = last + 1
    while tail < len(tokens) and tokens[tail] == ",":  # each comma after the last digit divides by a thousand
        scale /= 1000
        tail += 1
    prefix, suffix, body = _literal(tokens[:first]), _literal(tokens[tail:]), tokens[first : last + 1]
    if any(t.lower() == "general" for t in body):
        return _Shape(prefix, suffix, general=True, scale=scale)
    point = body.index(".") if "." in body else len(body)
    whole, fraction = body[:point], [t for t in body[point + 1 :] if t in _PLACEHOLDERS]
    keep = max((k + 1 for k, t in enumerate(fraction) if t == "0"), default=0)
    minimum = sum(1 for t in whole if t == "0")
    return _Shape(prefix, suffix, False, len(fraction), keep, minimum, "," in whole, scale)


def _render(amount: Decimal, shape: _Shape) -> str:
    """The number in the section's shape, between its literal text."""
    amount *= shape.scale
    if shape.general:
        return shape.prefix + _general(amount) + shape.suffix
    if shape.text_only:
        return shape.prefix
    rounded = amount.quantize(Decimal(1).scaleb(-shape.places), rounding=ROUND_HALF_UP)
    integer, _, decimals = f"{rounded:f}".partition(".")
    if shape.places > shape.keep:
        decimals = decimals.rstrip("0").ljust(shape.keep, "0")
    integer = integer.lstrip("0").rjust(shape.minimum, "0")
    if shape.grouped and integer:
        integer = f"{int(integer):,}"
    return shape.prefix + integer + ("." + decimals if decimals else "") + shape.suffix


def _general(amount: Decimal) -> str:
    """`General`: the number's shortest decimal form, without exponent or trailing zeros."""
    text = f"{amount.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _literal(tokens: tuple[str, ...]) -> str:
    """The text a format section shows around its number: quoted text, escapes, currency symbols, signs."""
    out = []
    for t in tokens:
        if t.startswith('"'):
            out.append(t[1:-1])
        elif t.startswith("\\") and len(t) == 2:
            out.append(t[1])
        elif t.startswith("[$"):
            out.append(t[2:-1].split("-", 1)[0])
        elif t.startswith(("_", "*", "[")) or t in ("@", ",", "."):
            continue
        else:
            out.append(t)
    return "".join(out).strip()
