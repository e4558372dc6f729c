"""Search keys: text as people type it when they look for a name, without accents or case.

``search_key`` decomposes the text (Unicode NFKD), drops the combining marks,
folds the case and spells the ligatures out, so that ``guerin`` finds
"Guérin" and ``muller`` finds "Müller" on every store (the key is stored,
the query goes through the same function).

>>> search_key("Guérin SA"), search_key("MÜLLER GmbH"), search_key("Œuvres  Straße")
('guerin sa', 'muller gmbh', 'oeuvres strasse')
>>> search_key("Łódź Þór"), search_key("Москва Ἀθῆναι")
('lodz thor', 'москва αθηναι')
>>> search_key("  ") == ""
True
"""

from __future__ import annotations

import re
import unicodedata

# letters NFKD does not decompose, spelled as people type them
_SPELLED: dict[str, str | int | None] = {
    "œ": "oe",
    "æ": "ae",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "n",
    "ı": "i",
    "ĸ": "k",
}
_UNDECOMPOSED = re.compile("[" + "".join(_SPELLED) + "]")
_LAST_LATIN = "\u017f"  # Latin-1 and Latin Extended-A


def _slow_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spelled = bare.translate(str.maketrans(_SPELLED))
    # what is left of Latin-1 beyond ASCII (a middle dot, ¿) goes, as on the fast path
    return "".join(ch for ch in spelled if ch.isascii() or ch > _LAST_LATIN)


def search_key(text: str) -> str:
    """``text`` unaccented, case-folded, with single spaces."""
    folded = text.casefold()
    if not folded.isascii():
        if max(folded) <= _LAST_LATIN:
            # Latin letters (most names): decomposed and stripped of their marks in C, as a
            # list of 100,000 customers is keyed at each new version of the ledger
            if _UNDECOMPOSED.search(folded):
                folded = _UNDECOMPOSED.sub(lambda found: str(_SPELLED[found[0]]), folded)
            folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
        else:
            folded = _slow_key(folded)
    return " ".join(folded.split())
