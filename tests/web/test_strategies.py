"""Strategies, steps and wording edited in the browser's pages: checked, audited, in French."""

from __future__ import annotations

import html

import pytest

from creditpilot.accounts.services import do_add_user
from creditpilot.audit.models import AuditEvent
from creditpilot.collections.models import Step, Strategy, Template
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]


def main_of(response) -> str:
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    return html.unescape(body[body.index("<main>") : body.index("</main>")])


@pytest.fixture
def default(world):
    do_add_user("colin", password=PASSWORD, companies=[world.a], role="collector")
    return Strategy.objects.get(company=world.a, is_default=True)


def test_the_strategies_page_says_the_steps_in_words(world, default):
    body = main_of(world.client("alice").get(f"/c/{world.a.code}/strategies/"))
    for words in (
        "Stratégies de relance",
        "5 jours avant l'échéance",
        "15 jours après l'échéance",
        "Relance de courtoisie",
        "Courrier et e-mail",
        "Mise en demeure (L441-10)",
        "remontée à la direction",
    ):
        assert words in body, words
    for english in ("days after", "letter+email", "escalate_management", "Courtesy"):
        assert english not in body, english


def test_a_step_on_the_same_day_is_refused_and_an_edit_keeps_the_key(world, default):
    client = world.client("alice")
    url = f"/c/{world.a.code}/strategies/{default.pk}/"
    step = {
        "what": "step",
        "name": "Relance bis",
        "days": "15",
        "channel": "email",
        "min_amount": "0",
        "consequence": "none",
        "template": "reminder_2",
    }
    body = main_of(client.post(url, step, follow=True))
    assert "Deux étapes ne peuvent pas tomber le même jour." in body
    assert not Step.objects.filter(strategy=default, name="Relance bis").exists()
    reminder = Step.objects.get(strategy=default, key="reminder_2")
    form = main_of(client.get(f"{url}?step={reminder.pk}"))
    assert "Modifier l'étape « Relance 2 »" in form and 'value="15"' in form
    client.post(url, {**step, "step": reminder.pk, "days": "20", "name": "Deuxième relance"})
    reminder.refresh_from_db()
    assert (reminder.key, reminder.days, reminder.name) == ("reminder_2", 20, "Deuxième relance")
    assert AuditEvent.objects.filter(action="step_saved").count() == 1
    added = client.post(url, {**step, "days": "90", "name": "Relance finale"})
    assert added.status_code == 302
    assert Step.objects.get(strategy=default, days=90).key == "relance_finale"


def test_only_who_may_edit_dunning_changes_it(world, default):
    url = f"/c/{world.a.code}/strategies/{default.pk}/"
    for who in ("colin", "audrey", "sam"):
        assert world.client(who).post(url, {"what": "delete"}).status_code == 403
    body = main_of(world.client("alice").post(url, {"what": "delete"}, follow=True))
    assert "La stratégie par défaut ne peut pas être supprimée." in body
    assert Strategy.objects.filter(pk=default.pk).exists()


def test_a_template_is_refused_with_its_line_and_previewed_on_a_real_customer(world, default):
    client = world.client("alice")
    url = f"/c/{world.a.code}/wording/reminder_1/fr/standard/"
    page = main_of(client.get(url))
    assert "Rappel : facture" in page
    bad = main_of(
        client.post(
            url, {"what": "save", "subject": "Relance", "body": "Bonjour\n\n{{ client.nom }}"}
        )
    )
    assert "corps, ligne 3 : variable inconnue « client »" in bad
    assert not Template.objects.exists()
    good = main_of(
        client.post(
            url,
            {
                "what": "save",
                "subject": "Relance {{ customer.name }}",
                "body": "Total : {{ total }}",
                "customer": "GLOBEX",
                "as_of": "2026-06-30",
            },
        )
    )
    assert Template.objects.get(company=world.a, key="reminder_1").subject.startswith("Relance")
    assert 'id="preview"' in good and "Total : 3" in good
    assert AuditEvent.objects.filter(action="template_saved").count() == 1
