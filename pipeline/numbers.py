"""Parse numbers as written into `Decimal`, with their precision and their amount in 万元. Never float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER_RE = re.compile(NUMBER)
MONEY_UNITS = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}
_ARTIFACT = re.compile(r"\.\d*?(9{6,}|0{6,})\d?$")


@dataclass(frozen=True)
class Number:
    """A number as written: normalised text, exact value and decimals shown."""

    text: str
    value: Decimal
    decimals: int
    artifact: bool = False  # a float-formatting artifact (1257.1199999999999) was rounded away


def parse_number(written: str) -> Number:
    """Parse '3,162,923.00', '21.7' or a chart dump's '1257.1199999999999' into a `Number`."""
    text = written.strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation as e:
        raise ValueError(f"not a number: {written!r}") from e
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    if decimals >= 8 and _ARTIFACT.search(text):
        for d in range(0, 5):
            rounded = value.quantize(Decimal(1).scaleb(-d))
            if abs(rounded - value) < Decimal("1e-6"):
                return Number(format(rounded, "f"), rounded, d, artifact=True)
    return Number(text, value, decimals)


def to_wan(value: Decimal, unit: str | None) -> Decimal | None:
    """The amount in 万元, or None when the unit is not money."""
    factor = MONEY_UNITS.get(unit or "")
    if factor is None:
        return None
    return value * factor


def plain(value: Decimal) -> str:
    """A Decimal as plain digits without exponent or trailing zeros (0.9700 -> 0.97, 1E+2 -> 100)."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
