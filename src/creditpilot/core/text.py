"""Search keys: text as people type it when they look for a name, without accents or case.

``search_key`` decomposes the text (Unicode NFKD), drops the combining marks,
folds the case and spells the ligatures out, so that ``guerin`` finds
"Guérin" and ``muller`` finds "Müller" on every store (the key is stored,
the query goes through the same function).

>>> search_key("Guérin SA"), search_key("MÜLLER GmbH"), search_key("Œuvres  Straße")
('guerin sa', 'muller gmbh', 'oeuvres strasse')
>>> search_key("  ") == ""
True
"""

from __future__ import annotations

import unicodedata

# letters NFKD does not decompose, spelled as people type them
_SPELLED = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def search_key(text: str) -> str:
    """``text`` unaccented, case-folded, with single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.translate(_SPELLED).split())
