"""Forms of the pages: they re-render with the user's input and an error beside each field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban
from stdnum.fr import siren as fr_siren

from creditpilot.core.errors import CreditPilotError
from creditpilot.core.financials import FIGURES
from creditpilot.core.money import format_cents, to_cents
from creditpilot.core.terms import is_valid_terms, parse_terms
from creditpilot.core.terms_text import describe_terms
from creditpilot.readers.tabular import parse_amount_cents
from creditpilot.receivables.models import ImportBatch


def clean_terms(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return parse_terms(value).code
    except CreditPilotError as err:
        raise forms.ValidationError(
            _("Unknown payment terms: %(terms)s"), params={"terms": value}
        ) from err


def terms_in_form(code: str) -> str:
    """Terms as the form shows them: in words the form reads back (``45 jours fin de mois``);
    terms with an early-payment discount keep their code, which is read back exactly."""
    if not code:
        return ""
    try:
        terms = parse_terms(code)
    except CreditPilotError:
        return code
    if terms.discount_percent is not None:
        return code
    words = describe_terms(terms, get_language() or "fr")
    return words if is_valid_terms(words) and parse_terms(words) == terms else code


class CustomerForm(forms.Form):
    payment_terms = forms.CharField(label=_("Payment terms"), max_length=40, required=False)
    # new terms apply to invoices dated from this day (empty: today; a customer's first terms
    # apply from the start)
    terms_from = forms.DateField(
        label=_("New terms apply from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    credit_limit = forms.CharField(label=_("Credit limit"), max_length=20, required=False)
    segment = forms.CharField(label=_("Segment"), max_length=60, required=False)
    sales_rep = forms.CharField(label=_("Sales rep"), max_length=120, required=False)
    rating = forms.CharField(label=_("Rating"), max_length=8, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(
        label=_("Postal address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
    )
    language = forms.ChoiceField(
        label=_("Language of its letters"),
        choices=[("fr", _("French")), ("en", _("English"))],
        required=False,
    )

    def clean_payment_terms(self) -> str:
        return clean_terms(self.cleaned_data["payment_terms"])

    def clean_credit_limit(self) -> int | None:
        raw = (
            (self.cleaned_data["credit_limit"] or "").strip().replace("\u202f", "").replace(" ", "")
        )
        if not raw:
            return None
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Not an amount: %(value)s"), params={"value": raw}
            ) from None
        if value < 0 or not value.is_finite():
            raise forms.ValidationError(_("The credit limit is an amount of zero or more."))
        return to_cents(value)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


def figure_labels() -> dict[str, str]:
    """The figures of a financial statement in the words of French accounts."""
    return {
        "total_assets": pgettext_lazy("statement", "Total assets"),
        "current_assets": pgettext_lazy("statement", "Current assets"),
        "inventories": pgettext_lazy("statement", "Inventories"),
        "cash": pgettext_lazy("statement", "Cash"),
        "equity": pgettext_lazy("statement", "Equity"),
        "retained_earnings": pgettext_lazy("statement", "Retained earnings"),
        "total_liabilities": pgettext_lazy("statement", "Total liabilities"),
        "short_term_liabilities": pgettext_lazy("statement", "Short-term liabilities"),
        "sales": pgettext_lazy("statement", "Sales"),
        "ebit": pgettext_lazy("statement", "Operating income (EBIT)"),
        "ebitda": pgettext_lazy("statement", "EBITDA (EBE)"),
        "financial_charges": pgettext_lazy("statement", "Financial charges"),
        "staff_costs": pgettext_lazy("statement", "Staff costs"),
        "value_added": pgettext_lazy("statement", "Value added"),
        "net_income": pgettext_lazy("statement", "Net income"),
    }


def amount_in_form(cents: int | None) -> str:
    """An amount as a form shows it to be read back: ``1234,50`` in French, ``1234.50``."""
    if cents is None:
        return ""
    text = format_cents(cents)
    return text.replace(".", ",") if (get_language() or "fr").startswith("fr") else text


class StatementForm(forms.Form):
    """A customer's financial statements of one fiscal year: its year end and figures in euros
    (a decimal comma or point, spaces between thousands; empty: not given). The rules of a
    statement (no future year end, no negative total assets...) are the risk layer's; the
    form only reads the amounts."""

    year_end = forms.DateField(
        label=pgettext_lazy("statement", "Year end"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Not a date: give the year end as 31/12/2025.")},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", "financials-%s")  # apart from the customer form's ids
        super().__init__(*args, **kwargs)
        for name, label in figure_labels().items():
            self.fields[name] = forms.CharField(
                label=label,
                max_length=30,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 14}),
            )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for name in FIGURES:
            text = (cleaned.get(name) or "").strip()
            if not text:
                cleaned[name] = None
                continue
            try:
                cleaned[name] = parse_amount_cents(text)
            except ValueError:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Not an amount: %(value)s"), params={"value": text}, code="bad_amount"
                    ),
                )
        return cleaned


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=[
            (ImportBatch.Kind.FEC, _("FEC (accounting entries)")),
            (ImportBatch.Kind.CUSTOMERS, _("Customers list (CSV/XLSX)")),
            (ImportBatch.Kind.INVOICES, _("Invoices list (CSV/XLSX)")),
        ],
    )
    file = forms.FileField(label=_("File"))
    accept_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if some are rejected"), required=False
    )
    force = forms.BooleanField(
        label=_("Import the FEC even if it looks like another company's"), required=False
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the limit of %(mb)s MB."),
                params={"mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


class CompanySettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    default_terms = forms.CharField(label=_("Default payment terms"), max_length=40)
    due_dates_on_business_days = forms.BooleanField(
        label=_("Move due dates to the next business day"), required=False
    )

    daily_run_hour = forms.TimeField(
        label=_("Daily run at (Paris time)"),
        required=False,  # left out: unchanged
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "invalid": _("The daily run hour must be a time of day, such as 06:00."),
        },
    )

    # the letterhead of letters and statements, and the sender of reminders
    siren = forms.CharField(label=_("SIREN"), max_length=11, required=False)
    address = forms.CharField(
        label=_("Postal address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    sender_email = forms.EmailField(label=_("Sender of the reminders"), required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=11, required=False)
    legal_mentions = forms.CharField(
        label=_("Late-payment terms printed on letters (empty: the legal mentions)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )

    def clean_default_terms(self) -> str:
        return clean_terms(self.cleaned_data["default_terms"]) or "NET30"

    def clean_siren(self) -> str:
        value = "".join(self.cleaned_data["siren"].split())
        if value and not fr_siren.is_valid(value):
            raise forms.ValidationError(_("Invalid SIREN: %(value)s"), params={"value": value})
        return value

    def clean_iban(self) -> str:
        value = "".join(self.cleaned_data["iban"].split()).upper()
        if value and not iban.is_valid(value):
            raise forms.ValidationError(_("Invalid IBAN: %(value)s"), params={"value": value})
        return value

    def clean_bic(self) -> str:
        value = self.cleaned_data["bic"].strip().upper()
        if value and not bic.is_valid(value):
            raise forms.ValidationError(_("Invalid BIC: %(value)s"), params={"value": value})
        return value

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("daily_run_hour") is None:
            cleaned.pop("daily_run_hour", None)
        return cleaned


class GrantForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[])
    sales_rep = forms.CharField(label=_("Sales rep"), max_length=120, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from creditpilot.accounts.rights import Role, role_label

        self.fields["role"].choices = [(r.value, role_label(r)) for r in Role]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("role") == "sales" and not data.get("sales_rep"):
            self.add_error(
                "sales_rep", _("A sales user sees the customers of this sales rep: give the name.")
            )
        return data
