"""In the browser, a FEC of another company is refused with its reason until the box is ticked."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from creditpilot.receivables.models import Document, ImportJob
from tests.fecbuilder import Fec


def odoo_sample() -> bytes:
    f = Fec()
    f.invoice("20210502", "PARTNER_A", "INV/2021/0001", "776.45")
    f.invoice("20210610", "PARTNER_B", "INV/2021/0002", "120.00")
    return f.text().encode()


def upload(client, world, **extra):
    return client.post(
        f"/c/{world.a.code}/imports/",
        {"kind": "fec", "file": SimpleUploadedFile("odoo.txt", odoo_sample()), **extra},
    )


def test_the_import_form_refuses_another_companys_fec_then_takes_it_when_confirmed(
    world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_IN_BACKGROUND = False
    client = world.client("alice")
    client.post("/language/", {"language": "fr", "next": "/"})
    form = client.get(f"/c/{world.a.code}/imports/").content.decode()
    assert 'name="force"' in form and "autre société" in form
    before = Document.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world)
    refused = ImportJob.objects.get()
    assert refused.status == "refused" and refused.warnings[0]["code"] == "nothing_in_common"
    assert Document.objects.count() == before
    page = client.get(f"/c/{world.a.code}/imports/{refused.pk}/").content.decode()
    assert "Aucun des clients du fichier (2) n&#x27;est connu" in page
    assert "est-ce le FEC d&#x27;une autre société ?" in page
    assert "none of the" not in page

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world, force="on")
    taken = ImportJob.objects.exclude(pk=refused.pk).get()
    assert taken.status == "done" and taken.changed
    assert Document.objects.filter(company=world.a, number="INV/2021/0001").exists()
    page = client.get(f"/c/{world.a.code}/imports/{taken.pk}/").content.decode()
    assert 'id="import-warnings"' in page and "autre société" in page


def test_a_file_refused_whole_is_said_in_french(
    world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_IN_BACKGROUND = False
    client = world.client("alice")
    client.post("/language/", {"language": "fr", "next": "/"})
    not_a_fec = b"JournalCode|EcritureNum|EcritureDate|CompteNum\r\nVT|1|20260101|411000\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/c/{world.a.code}/imports/",
            {"kind": "fec", "file": SimpleUploadedFile("export.txt", not_a_fec)},
        )
    job = ImportJob.objects.get()
    assert job.status == "refused" and job.warnings[0]["code"] == "missing_columns"
    page = client.get(f"/c/{world.a.code}/imports/{job.pk}/").content.decode()
    assert "Ce n&#x27;est pas un FEC : colonnes manquantes JournalLib, CompteLib" in page
    assert "not a FEC" not in page and "autre société" not in page
