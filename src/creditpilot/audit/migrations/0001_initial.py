"""The audit log moves from the accounts app to its own bottom app; the table stays."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("companies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("username", models.CharField(blank=True, max_length=150)),
                        ("action", models.CharField(max_length=40)),
                        ("object_type", models.CharField(blank=True, max_length=40)),
                        ("object_ref", models.CharField(blank=True, max_length=200)),
                        ("before", models.JSONField(default=dict)),
                        ("after", models.JSONField(default=dict)),
                        ("ip", models.GenericIPAddressField(null=True)),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "company",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="audit_events",
                                to="companies.company",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_auditevent",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["company", "object_type", "object_ref"],
                                name="accounts_au_company_0fc013_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
