"""The French catalogue: complete, compiled, in step with the strings marked in the code.

Refresh it (from ``src/creditpilot``) with ``django makemessages -l fr --no-obsolete``, translate
the new entries, then ``django compilemessages``.
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.utils import translation

import creditpilot

APP = Path(creditpilot.__file__).resolve().parent
MESSAGES = APP / "locale" / "fr" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

# Functions whose literal arguments makemessages extracts: name -> (has context, has plural).
GETTEXT_FUNCTIONS = {
    "_": (False, False),
    "gettext": (False, False),
    "gettext_lazy": (False, False),
    "gettext_noop": (False, False),
    "ngettext": (False, True),
    "ngettext_lazy": (False, True),
    "pgettext": (True, False),
    "pgettext_lazy": (True, False),
    "npgettext": (True, True),
    "npgettext_lazy": (True, True),
}

STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
TRANSLATE_TAG = re.compile(r"\{%\s*trans(?:late)?\s+(" + STRING + r")(.*?)%\}", re.DOTALL)
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(.*?)%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.DOTALL
)
CONTEXT_OPTION = re.compile(r"\bcontext\s+(" + STRING + r")")
VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")

Key = tuple[str | None, str]  # (msgctxt, msgid)


def read_catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="fr")


def unquote(literal: str) -> str:
    return literal[1:-1]


def block_msgid(text: str, trimmed: bool) -> str:
    """The msgid Django's makemessages gives a ``{% blocktranslate %}`` body."""
    if trimmed:
        text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return VARIABLE.sub(lambda m: f"%({m.group(1)})s", text.replace("%", "%%"))


def template_keys(source: str) -> set[Key]:
    keys: set[Key] = set()
    for literal, options in TRANSLATE_TAG.findall(source):
        context = CONTEXT_OPTION.search(options)
        # Django doubles the % of a translate literal, as in a blocktranslate body.
        msgid = unquote(literal).replace("%", "%%")
        keys.add((unquote(context.group(1)) if context else None, msgid))
    for options, body in BLOCK_TAG.findall(source):
        context = CONTEXT_OPTION.search(options)
        trimmed = re.search(r"\btrimmed\b", options) is not None
        singular = PLURAL_TAG.split(body)[0]
        keys.add((unquote(context.group(1)) if context else None, block_msgid(singular, trimmed)))
    return keys


def python_keys(source: str) -> set[Key]:
    keys: set[Key] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else None
        )
        if name not in GETTEXT_FUNCTIONS:
            continue
        has_context, _has_plural = GETTEXT_FUNCTIONS[name]
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        ]
        context = args.pop(0) if has_context and args else None
        if args and args[0] is not None:
            keys.add((context, args[0]))
    return keys


def marked_strings() -> dict[Key, str]:
    """Every string marked for translation in the templates and the Python of the app -> where."""
    found: dict[Key, str] = {}
    for path in sorted(APP.rglob("*.html")) + sorted(APP.rglob("*.txt")):
        for key in template_keys(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(APP)))
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for key in python_keys(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(APP)))
    return found


def frozen(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def mo_messages(data: bytes) -> tuple[str, dict[object, object]]:
    """The plural rule and the messages of a compiled catalogue."""
    catalog = read_mo(io.BytesIO(data))
    return catalog.plural_forms, {
        (m.context, frozen(m.id)): frozen(m.string) for m in catalog if m.id
    }


def test_the_catalogue_is_french_with_the_french_plural_rule():
    catalog = read_catalog()
    assert str(catalog.locale) == "fr"
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n>1)"
    assert not catalog.fuzzy, "the header is still marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalog = read_catalog()
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = (message.string,) if isinstance(message.string, str) else message.string
        expected = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy: {fuzzy}"
    assert len(catalog) > 50


def test_placeholders_are_kept_in_the_translations():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in read_catalog().check()]
    assert problems == []


def test_the_compiled_catalogue_is_up_to_date():
    assert MO.exists(), "run `django compilemessages` from src/creditpilot"
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog())
    plural_forms, expected = mo_messages(compiled.getvalue())
    mo_plural_forms, actual = mo_messages(MO.read_bytes())
    stale = sorted(
        repr(key[1])
        for key in expected.keys() | actual.keys()
        if expected.get(key) != actual.get(key)
    )
    assert stale == [], "django.mo is stale, run `django compilemessages`: " + ", ".join(stale)
    assert mo_plural_forms == plural_forms


def test_every_marked_string_is_in_the_catalogue():
    catalog = read_catalog()
    known = {
        (m.context, m.id[0] if isinstance(m.id, tuple | list) else m.id) for m in catalog if m.id
    }
    marked = marked_strings()
    assert "Customers" in {msgid for _ctx, msgid in marked}, "the extraction found nothing"
    missing = sorted(
        f"{where}: {msgid!r}" for (ctx, msgid), where in marked.items() if (ctx, msgid) not in known
    )
    assert missing == [], "run makemessages and translate:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Customers", "Clients"),
        ("Receivables", "Encours clients"),
        ("Overdue", "Échu"),
        ("Aged balance", "Balance âgée"),
        ("Sign in", "Se connecter"),
    ],
)
def test_django_serves_the_french_strings(english, french):
    with translation.override("fr"):
        assert translation.gettext(english) == french
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_the_plural_rule_is_the_french_one():
    singular, plural = "%(n)s rejected row", "%(n)s rejected rows"
    with translation.override("fr"):
        assert translation.ngettext(singular, plural, 0) % {"n": 0} == "0 ligne rejetée"
        assert translation.ngettext(singular, plural, 1) % {"n": 1} == "1 ligne rejetée"
        assert translation.ngettext(singular, plural, 2) % {"n": 2} == "2 lignes rejetées"
