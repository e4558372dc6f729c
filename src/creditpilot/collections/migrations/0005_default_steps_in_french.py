"""The default strategy is "Standard" and its steps are named in French, as the letters they send."""

from django.db import migrations

NAMES = {
    "Courtesy reminder": "Relance de courtoisie",
    "Reminder 1": "Relance 1",
    "Reminder 2": "Relance 2",
    "Reminder 3 and a call": "Relance 3 et appel",
    "Formal notice (L441-10)": "Mise en demeure (L441-10)",
    "Escalation to management, hand-over proposed": "Remontée à la direction, transmission proposée",
}


def rename(apps, schema_editor):
    Step = apps.get_model("collections_app", "Step")
    for english, french in NAMES.items():
        Step.objects.filter(name=english).update(name=french)
    # "Standard" reads the same in French and English
    Strategy = apps.get_model("collections_app", "Strategy")
    for strategy in Strategy.objects.filter(is_default=True, name="default"):
        if not Strategy.objects.filter(company_id=strategy.company_id, name="Standard").exists():
            Strategy.objects.filter(pk=strategy.pk).update(name="Standard")


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0004_messages_tasks_templates")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
