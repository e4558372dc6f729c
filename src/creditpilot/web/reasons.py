"""The readers' reasons for refusing a row, in the reader's language.

Each stored error carries a stable code and its params; the sentence comes
from the one catalogue of reasons (``core/reasons.py``), said through Django's
``gettext``, with decimal amounts written the French way on French pages. An
error stored before codes had params keeps the message it was stored with.

>>> from django.utils import translation
>>> error = {"code": "bad_date", "column": "EcritureDate",
...          "params": {"value": "20261341", "format": "YYYYMMDD"}, "message": "…"}
>>> with translation.override("fr"):
...     reason(error)
'date invalide (AAAAMMJJ attendu) : « 20261341 »'
>>> with translation.override("en"):
...     reason(error)
"not a date (YYYYMMDD): '20261341'"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext, gettext_noop

from creditpilot.core.reasons import reason_text
from creditpilot.web.templatetags.cp import day

# params that hold a decimal amount (``-12.50``): written with the page's decimal separator
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_AMOUNT_PARAMS = {"difference", "amount", "held"}
# formats of dates quoted in reasons, in the reader's letters
_DATE_FORMATS = {gettext_noop("YYYYMMDD"), gettext_noop("YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY")}
# params that hold a day (ISO, as the readers and the store give it): written as the pages
# write days, in the reader's language; a value a file gave (``value``) is quoted as it was
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_PARAMS = {"date", "due_date", "paid_date", "start", "end", "ledger_start", "ledger_end"}


def _days(params: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(params)
    for key in _DATE_PARAMS & out.keys():
        value = str(out[key])
        if _ISO_DAY.match(value):
            with suppress(ValueError):  # not a day: said as it is
                out[key] = day(date.fromisoformat(value))
    return out


def _localised(params: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(params)
    for key in _AMOUNT_PARAMS & out.keys():
        value = str(out[key])
        if _DECIMAL.match(value):
            out[key] = number_format(value, decimal_pos=len(value.split(".")[1]))
    if out.get("format") in _DATE_FORMATS:
        out["format"] = gettext(str(out["format"]))
    return out


def reason(error: Mapping[str, Any] | str) -> str:
    """The error's reason in the active language, made from its code and params.

    A plain text (a warning stored before warnings had codes) is said as it is.
    """
    if isinstance(error, str):
        return error
    params = error.get("params")
    message = str(error.get("message", ""))
    if not isinstance(params, Mapping):
        return message
    values = _days({"column": error.get("column") or "", **params})
    if not (get_language() or "").startswith("fr"):
        return reason_text(str(error.get("code", "")), values) or message
    return reason_text(str(error.get("code", "")), _localised(values), gettext) or message
