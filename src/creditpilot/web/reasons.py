"""The readers' reasons for refusing a row, in the reader's language.

The readers know no language: each error carries a stable code and an English
message. For the pages, a French wording is made from the code and the values
the English message quotes; an unknown code or wording stays in English.

>>> from django.utils import translation
>>> with translation.override("fr"):
...     reason({"code": "bad_date", "message": "not a date (YYYYMMDD): '20261341'"})
'date invalide (AAAAMMJJ attendu) : « 20261341 »'
>>> with translation.override("en"):
...     reason({"code": "bad_date", "message": "not a date (YYYYMMDD): '20261341'"})
"not a date (YYYYMMDD): '20261341'"
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language

FRENCH: dict[str, tuple[str, str]] = {
    "wrong_field_count": (
        r"expected (\d+) fields, found (\d+)",
        "{0} champs attendus, {1} trouvés",
    ),
    "missing_value": (r"(.+) is empty", "{0} est vide"),
    "bad_date": (r"not a date \(YYYYMMDD\): '(.*)'", "date invalide (AAAAMMJJ attendu) : « {0} »"),
    "bad_sens": (r"Sens must be D or C, found '(.*)'", "Sens doit valoir D ou C, trouvé « {0} »"),
    "bad_amount": (r"not an amount: '(.*)'", "montant invalide : « {0} »"),
    "unbalanced_entry": (
        r"entry (.*) of journal (.*) does not balance: debit minus credit is (-?\d+) cents",
        "l'écriture {0} du journal {1} n'est pas équilibrée : débit moins crédit = {2} centimes",
    ),
    "no_customer": (
        r"line on customer account (.+) has no customer \(CompAuxNum is empty\)",
        "ligne du compte client {0} sans client (CompAuxNum vide)",
    ),
    "missing_column": (r"missing column '(.*)'", "colonne manquante : « {0} »"),
    "empty_file": (r"the file is empty \(0 bytes\)", "le fichier est vide (0 octet)"),
    "no_data": (
        r"the file has a header but no data rows",
        "le fichier a un en-tête mais aucune ligne",
    ),
    "no_header": (r"the file has no header line", "le fichier n'a pas de ligne d'en-tête"),
    "not_text": (
        r"not a text file \(binary content\)",
        "ce n'est pas un fichier texte (contenu binaire)",
    ),
    "bad_encoding": (
        r"unsupported encoding \(UTF-16\): save the file in UTF-8",
        "encodage non pris en charge (UTF-16) : enregistrez le fichier en UTF-8",
    ),
}


def reason(error: dict[str, Any]) -> str:
    """The error's message in the active language, when a wording for it is known."""
    message = str(error.get("message", ""))
    if not (get_language() or "").startswith("fr"):
        return message
    known = FRENCH.get(str(error.get("code", "")))
    if known is None:
        return message
    pattern, french = known
    found = re.fullmatch(pattern, message)
    return french.format(*found.groups()) if found else message
