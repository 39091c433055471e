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
from decimal import ROUND_HALF_UP, Decimal

_TOKEN = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|[Gg]eneral|[0#?]|[.,%@]|[Ee][+-]|.', re.DOTALL)
_SCIENTIFIC = re.compile(r"[Ee][+-]")
_PLACEHOLDERS = frozenset("0#?")


def format_number(value: int | float, number_format: str) -> str:
    """The number as a cell with this number format shows it (`1234.5`, `#,##0.00` → `1,234.50`)."""
    amount = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    sections = _split_sections(number_format)
    section, signed = sections[0], amount < 0
    if amount < 0 and len(sections) > 1 and sections[1]:
        section, signed = sections[1], False  # the negative section writes its own sign or brackets
    elif amount == 0 and len(sections) > 2:
        section = sections[2]
    tokens = _TOKEN.findall(section)
    if any(_SCIENTIFIC.fullmatch(t) for t in tokens) or "/" in tokens:
        tokens = ["General"]
    text = _render(abs(amount), tokens)
    return "-" + text if signed and any(ch.isdigit() and ch != "0" for ch in text) else text


def _split_sections(number_format: str) -> list[str]:
    """The format's `;`-separated sections (a `;` inside quotes or after a backslash is text)."""
    sections, current = [], ""
    for token in _TOKEN.findall(number_format):
        if token == ";":
            sections.append(current)
            current = ""
        else:
            current += token
    return [*sections, current]


def _render(amount: Decimal, tokens: list[str]) -> str:
    """Literal text before and after the number part, and the number part in its placeholders' shape."""
    digits = [k for k, t in enumerate(tokens) if t in _PLACEHOLDERS or t.lower() == "general"]
    if not digits:
        return _literal(tokens) or _general(amount)
    first, last = digits[0], digits[-1]
    amount *= Decimal(100) ** sum(1 for t in tokens if t == "%")
    tail = last + 1
    while tail < len(tokens) and tokens[tail] == ",":  # each comma after the last digit divides by a thousand
        amount /= 1000
        tail += 1
    body = tokens[first : last + 1]
    number = _general(amount) if any(t.lower() == "general" for t in body) else _placeholders(amount, body)
    return _literal(tokens[:first]) + number + _literal(tokens[tail:])


def _placeholders(amount: Decimal, body: list[str]) -> str:
    """The number shaped by `#,##0.00`-style placeholders: decimals, grouping, minimum integer digits."""
    point = body.index(".") if "." in body else len(body)
    whole, fraction = body[:point], [t for t in body[point + 1 :] if t in _PLACEHOLDERS]
    places = len(fraction)
    keep = max((k + 1 for k, t in enumerate(fraction) if t == "0"), default=0)  # 0.0# shows one or two decimals
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    integer, _, decimals = f"{rounded:f}".partition(".")
    decimals = decimals.rstrip("0").ljust(keep, "0") if places > keep else decimals
    minimum = sum(1 for t in whole if t == "0")
    integer = integer.lstrip("0").rjust(minimum, "0")
    if "," in whole and integer:
        integer = f"{int(integer):,}"
    return integer + ("." + decimals if decimals else "")


def _general(amount: Decimal) -> str:
    """`General`: the number's shortest decimal form, without exponent or trailing zeros."""
    text = f"{amount.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _literal(tokens: list[str]) -> str:
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
