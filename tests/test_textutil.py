"""Text helpers: folding, display widths and whitespace squeezing agree with their plain definitions."""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pipeline.textutil import display_width, fold, no_spaces, squeeze

# text drawn from the characters reports hold: CJK, full-width forms, ASCII, and every kind of whitespace
_CHARS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFF5E),
    st.sampled_from(list(" \t\n\r\f\v\u3000\xa0\u2028\u200b\x1c\x85,.%0123456789")),
    st.characters(),
)
_TEXT = st.text(_CHARS, max_size=200)


@given(_TEXT)
def test_fold_maps_each_character_on_its_own(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "".join(fold(ch) for ch in text)


def test_fold_folds_full_width_forms() -> None:
    assert fold("本年１２．５％　ＡＢｃ\f－") == "本年12.5% ABc\n-"


@given(_TEXT)
def test_display_width_counts_wide_characters_twice(text: str) -> None:
    assert display_width(text) == sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@given(_TEXT)
def test_squeeze_removes_whitespace_and_maps_back(text: str) -> None:
    flat = squeeze(text)
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    assert flat.text == "".join(text[i] for i in keep)
    assert [flat.origin(i) for i in range(len(flat.text))] == keep


@given(_TEXT)
def test_no_spaces_removes_what_the_regex_whitespace_class_names(text: str) -> None:
    assert no_spaces(text) == re.sub(r"\s+", "", text) == squeeze(text).text


def test_whitespace_is_the_same_for_regex_class_str_split_and_isspace() -> None:
    """`squeeze` finds runs with a regex class, `no_spaces` splits: both must remove what `str.isspace` names."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    expected = "".join(ch for ch in everything if not ch.isspace())
    assert squeeze(everything).text == expected
    assert no_spaces(everything) == expected
    assert re.sub(r"\s+", "", everything) == expected
