"""Small text helpers shared by the deterministic stages: character folding, widths, numbering patterns."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from operator import add

# One-to-one character folds applied by `clean`; every clean character is FOLD(raw character).
_FOLD_PAIRS = {chr(0xFF10 + i): str(i) for i in range(10)}
_FOLD_PAIRS.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_FOLD_PAIRS.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
_FOLD_PAIRS.update({"％": "%", "＋": "+", "－": "-", "．": ".", "\u3000": " ", "\xa0": " ", "\f": "\n", "﹪": "%"})
_FOLDED = re.compile("[" + "".join(re.escape(ch) for ch in _FOLD_PAIRS) + "]")


def fold(text: str) -> str:
    """Fold full-width digits, letters and number punctuation to ASCII (one character for one)."""
    # a substitution of the few characters to fold: `str.translate` looks up every character of a long text
    return _FOLDED.sub(lambda m: _FOLD_PAIRS[m.group()], text)


class _Widths(dict[str, int]):
    """Display width of each character seen so far (looked up in the Unicode data once per character)."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_WIDTHS = _Widths()


def display_width(text: str) -> int:
    """Width of a line as typeset: CJK and full-width characters count 2, others 1."""
    return sum(map(_WIDTHS.__getitem__, text))


CN_DIGITS = "一二三四五六七八九十"
# A line that starts with a heading or list numbering of any style.
NUMBERING_RE = re.compile(
    r"^\s*(第[一二三四五六七八九十\d]{1,3}部分|附件\s*\d*|附表|[一二三四五六七八九十]{1,3}\s*[、.]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}\s*[、.](?!\d)|[A-Za-z]\s*[.、](?![A-Za-z]))"
)
TERMINAL_PUNCT = "。！？；：:;!?）)】」』”\"'"
CJK_RE = re.compile(r"[\u3400-\u9fff]")


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(CJK_RE.match(ch))


_SPACES = re.compile(r"\s+")


def no_spaces(text: str) -> str:
    """The text with every whitespace character (`str.isspace`) removed."""
    return "".join(text.split())


@dataclass(frozen=True)
class Squeezed:
    """A text with every whitespace character removed, and the way back to positions in the text."""

    text: str
    runs: tuple[int, ...]  # where each run of non-whitespace characters starts in `text`
    origins: tuple[int, ...]  # and where it starts in the original text

    def origin(self, pos: int) -> int:
        """The position in the original text of the character at `pos` of the squeezed text."""
        run = bisect_right(self.runs, pos) - 1
        return self.origins[run] + pos - self.runs[run]


def squeeze(text: str) -> Squeezed:
    """The text without whitespace (the characters `str.isspace` names), mapped back to the text."""
    pieces = text.split()  # the runs of non-whitespace characters
    if not pieces:
        return Squeezed("", (), ())
    sizes = list(map(len, pieces))
    gaps = list(map(len, _SPACES.findall(text)))  # the whitespace runs, a leading one first if any
    lead = gaps.pop(0) if text[0].isspace() else 0
    runs = (0, *accumulate(sizes[:-1]))
    origins = (lead, *(lead + n for n in accumulate(map(add, sizes[:-1], gaps))))
    return Squeezed("".join(pieces), runs, origins)
