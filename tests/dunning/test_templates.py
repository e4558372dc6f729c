"""The wording of dunning messages: the defaults render, a bad template is refused with its line."""

from __future__ import annotations

import pytest

from creditpilot.collections.facts import sample_facts
from creditpilot.collections.templates import (
    LANGUAGES,
    TemplateError,
    check_template,
    context,
    default_keys,
    default_template,
    render,
)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("gentle", [False, True])
@pytest.mark.parametrize("key", default_keys())
def test_every_default_renders_with_every_fact(key: str, language: str, gentle: bool) -> None:
    subject, body = default_template(key, language, gentle)
    check_template(subject, body)
    message = render(subject, body, context(sample_facts(), language))
    assert "Dupont Négoce" in message.subject
    assert "F2026-001" in message.body and "F2026-014" in message.body
    assert "{{" not in message.body and "{%" not in message.body
    assert "\n\n\n" not in message.body


def test_formal_notice_states_the_sums_in_french() -> None:
    subject, body = default_template("formal_notice", "fr", gentle=False)
    text = render(subject, body, context(sample_facts(), "fr")).body
    nbsp = "\u202f"  # Babel's narrow no-break space between thousands and before the euro sign
    assert f"Principal restant dû : 1{nbsp}550,50\u00a0€" in text
    # interest 1.37 + 0.28 = 1.65; indemnities 2 × 40
    assert (
        "Pénalités de retard au 15 juillet 2026 (article L441-10 du Code de commerce) : 1,65\u00a0€"
        in text
    )
    assert "Total : 1\u202f632,15\u00a0€" in text
    assert "au plus tard le 23 juillet 2026" in text
    assert "IBAN FR7630006000011234567890189" in text


def test_english_says_it_in_english() -> None:
    subject, body = default_template("reminder_1", "en", gentle=False)
    message = render(subject, body, context(sample_facts(), "en"))
    assert message.subject == "Reminder: overdue invoices – Dupont Négoce"
    assert "invoice F2026-001 of 2 May 2026, due on 1 June 2026: €1,200.00" in message.body


@pytest.mark.parametrize(
    ("subject", "body", "field", "line", "words"),
    [
        ("Relance", "Bonjour\n{% if %}\n", "body", 2, "syntax error"),
        ("Relance", "Bonjour\n\n{{ client.name }}", "body", 3, "unknown variable 'client'"),
        ("Relance {{ customer.nom }}", "", "subject", 1, "unknown attribute 'nom'"),
        ("Relance", "a\n{{ total.__class__.__mro__ }}", "body", 2, "__class__"),
        ("Relance", "a\nb\n{% for i in items %}{{ i.montant }}{% endfor %}", "body", 3, "montant"),
        ("Relance", "{{ total | nosuchfilter }}", "body", 1, "syntax error"),
    ],
)
def test_a_bad_template_is_refused_with_its_line(
    subject: str, body: str, field: str, line: int, words: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(subject, body)
    assert caught.value.params["field"] == field
    assert caught.value.line == line
    assert words in str(caught.value)


def test_the_sandbox_refuses_reaching_python() -> None:
    with pytest.raises(TemplateError):
        check_template("x", "{{ ''.__class__.__subclasses__() }}")
