"""The search key: the quick path for Latin letters agrees with the full decomposition."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from creditpilot.core.text import _slow_key, search_key


def test_every_latin_letter_is_keyed_as_the_full_decomposition_keys_it():
    for code_point in range(0x80, 0x180):
        letter = chr(code_point)
        if not letter.isalpha() or letter in "Ŀŀ":  # "l·": the middle dot is dropped
            continue
        expected = " ".join(_slow_key(letter.casefold()).split())
        assert search_key(letter) == expected, letter


@given(st.text(alphabet=st.characters(max_codepoint=0x17F, categories=["L", "Zs", "Nd"])))
def test_a_key_is_ascii_and_never_keeps_a_combining_mark(text):
    key = search_key(text)
    assert key.isascii() or any(ch > "\u017f" for ch in text.casefold())
    assert not any(unicodedata.combining(ch) for ch in key)
    assert key == search_key(key)  # keying a key changes nothing
