"""Deterministic demo data: a French SME's receivables over 24 months, written as FEC files.

The generator simulates customers, invoices, credit notes, payments (prompt, late, partial,
grouped, unapplied), lettering and one customer going bankrupt, then writes what an
accounting package would export: one FEC per fiscal year (the second one opening with
detailed à-nouveaux) or a single FEC over the whole period, plus the customer master data
as a CSV. Everything comes from ``random.Random(seed)``: the same arguments give the same
bytes.

Amounts are integer cents throughout. Floats only shape random draws (a log-normal
invoice size, a date density); each draw is turned into integer cents or days at once.

Lettering follows one rule per file: a line is lettered when its settlement group is one
the accountant lettered (about 85 % of the fully settled ones) and the group was settled
within the file's period. The FY1 file is thus exported "as at the end of FY1" (its open
lines are unlettered); FY1 lines still unlettered at year end are restated line by line as
à-nouveaux in the FY2 file, and it is those AN lines that get lettered in FY2.
"""

from __future__ import annotations

import csv
import functools
import math
import random
import unicodedata
from array import array
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
CUSTOMER_COLUMNS = (
    "code",
    "name",
    "siren",
    "country",
    "segment",
    "payment_terms",
    "vat",
    "sales_rep",
    "email",
    "credit_limit",
    "currency",
)

# average number of FEC data lines per invoice (the invoice, its payments and credit notes;
# plus the à-nouveaux in the two-file layout): the first guess of the ``lines`` calibration
LINES_PER_INVOICE = {True: 4.6, False: 4.85}
INVOICES_PER_CUSTOMER = 24  # over the 24 months when ``lines`` is not given
LETTERED_SHARE = 0.85
CREDIT_NOTE_SHARE = 0.04

# item kinds (one receivable line each)
_INVOICE, _CREDIT_NOTE, _PAYMENT, _OD_411, _OD_416 = 0, 1, 2, 3, 4
_LINES_PER_ENTRY = {_INVOICE: 3, _CREDIT_NOTE: 3, _PAYMENT: 2, _OD_411: 2, _OD_416: 0}
_JOURNAL_RANK = {_INVOICE: 1, _CREDIT_NOTE: 1, _PAYMENT: 2, _OD_411: 3}

SEGMENTS = (("TPE", 30), ("PME", 42), ("ETI", 13), ("GE", 5), ("PUBLIC", 10))
_SEGMENT_WEIGHT = {"TPE": 0.5, "PME": 1.0, "ETI": 2.5, "GE": 5.0, "PUBLIC": 1.5}
_SEGMENT_MEDIAN_HT = {
    "TPE": 35_000,
    "PME": 110_000,
    "ETI": 280_000,
    "GE": 450_000,
    "PUBLIC": 180_000,
}
_SEGMENT_GROUPS_PAYMENTS = {"TPE": 0.05, "PME": 0.15, "ETI": 0.4, "GE": 0.6, "PUBLIC": 0.5}
_PROFILES = ("prompt", "slow", "chronic", "partial")
_SEGMENT_PROFILES = {
    "TPE": (50, 28, 12, 10),
    "PME": (55, 28, 10, 7),
    "ETI": (55, 33, 8, 4),
    "GE": (45, 45, 10, 0),
    "PUBLIC": (35, 50, 15, 0),
}
_NEVER_PAID = {"prompt": 0.003, "slow": 0.01, "chronic": 0.03, "partial": 0.01}
TERMS = (("NET30", 30), ("NET45", 15), ("EOM45", 15), ("45EOM", 15), ("NET60", 15), ("RECEIPT", 8))
SALES_REPS = (
    "Claire Fontaine",
    "Julien Mercier",
    "Sophie Lambert",
    "Nicolas Faure",
    "Camille Roux",
)

ACTIVITIES = (
    "Boulangerie", "Garage", "Transports", "Menuiserie", "Plomberie", "Pharmacie", "Imprimerie",
    "Électricité", "Charpente", "Maçonnerie", "Boucherie", "Fromagerie", "Librairie", "Pâtisserie",
    "Carrosserie", "Serrurerie", "Traiteur", "Hôtel", "Restaurant", "Cabinet", "Atelier",
    "Laboratoire", "Distribution", "Négoce", "Logistique", "Bureautique", "Informatique",
    "Paysages", "Nettoyage", "Chaudronnerie",
)  # fmt: skip
LEGAL_FORMS = ("SARL", "SAS", "SA", "EURL", "SASU")
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
    "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier",
    "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
)  # fmt: skip
TOWNS = (
    "Lyon", "Nantes", "Lille", "Bordeaux", "Toulouse", "Rennes", "Strasbourg", "Montpellier",
    "Grenoble", "Dijon", "Angers", "Reims", "Tours", "Limoges", "Amiens", "Metz", "Besançon",
    "Orléans", "Rouen", "Caen", "Nancy", "Brest", "Clermont-Ferrand", "Poitiers", "Annecy",
    "Valence", "Nîmes", "Perpignan", "Pau", "Troyes",
)  # fmt: skip
PUBLIC_BODIES = (
    "Mairie", "Centre hospitalier", "Communauté urbaine", "Office de tourisme", "CCAS",
    "Syndicat des eaux",
)  # fmt: skip
FOREIGN = {
    "BE": (("Janssens", "Peeters", "Maes", "Jacobs", "Willems"), ("Bouw", "Logistiek", "Techniek"), ("BV", "SRL")),
    "DE": (("Müller", "Schmidt", "Schneider", "Fischer", "Weber"), ("Logistik", "Handel", "Technik", "Bau"), ("GmbH", "AG")),
    "ES": (("García", "Fernández", "López", "Martínez", "Sánchez"), ("Distribuciones", "Construcciones", "Transportes"), ("SL", "SA")),
}  # fmt: skip

_ACCOUNT = {0: "411000|Clients", 1: "416000|Clients douteux ou litigieux"}
_REVENUE = "706000|Prestations de services"
_VAT = "445710|TVA collectée"
_BANK = "512000|Banque"
_OPENING = "890000|Bilan d'ouverture"


@dataclass(frozen=True)
class DemoFiles:
    fec: list[Path]  # FEC files in fiscal-year order
    customers: Path  # customers CSV
    lines: int  # total FEC lines written (data lines, no headers)
    financials: Path | None = None  # financial statements CSV (two fiscal years, some customers)


def generate_demo(
    directory: Path,
    *,
    customers: int = 300,
    end: date = date(2026, 10, 31),
    seed: int = 42,
    lines: int | None = None,
    single_file: bool = False,
) -> DemoFiles:
    """Write the demo FEC files and customers CSV into ``directory``; same arguments, same bytes."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    start = _add_months(end, -24) + timedelta(days=1)
    split = _add_months(end, -12) + timedelta(days=1)

    if lines is None:
        ledger = _simulate(seed, customers, start, split, end, customers * INVOICES_PER_CUSTOMER)
    else:
        invoices = max(1, round(lines / LINES_PER_INVOICE[single_file]))
        for _attempt in range(4):  # simulate, count, rescale: usually right the first time
            ledger = _simulate(seed, customers, start, split, end, invoices)
            counted = ledger.count_lines(single_file)
            if abs(counted - lines) <= 0.015 * lines:
                break
            invoices = max(1, round(invoices * lines / max(counted, 1)))

    fec: list[Path] = []
    written = 0
    if single_file:
        path = directory / f"FEC_demo_FY{split.year}-{end.year}.txt"
        written += _write_fec(path, ledger, start.toordinal(), end.toordinal(), opening=False)
        fec.append(path)
    else:
        fy1 = directory / f"FEC_demo_FY{(split - timedelta(days=1)).year}.txt"
        written += _write_fec(fy1, ledger, start.toordinal(), split.toordinal() - 1, opening=False)
        fy2 = directory / f"FEC_demo_FY{end.year}.txt"
        written += _write_fec(fy2, ledger, split.toordinal(), end.toordinal(), opening=True)
        fec += [fy1, fy2]
    customers_path = directory / "customers.csv"
    _write_customers(customers_path, ledger.customers)
    financials_path = directory / "financials.csv"
    _write_financials(financials_path, ledger.customers, end, seed)
    return DemoFiles(fec=fec, customers=customers_path, lines=written, financials=financials_path)


# --- dates ------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped); a month's last day stays a month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_end(year, month + 1)
    if day == _month_end(day.year, day.month) or day.day > last.day:
        return last
    return date(year, month + 1, day.day)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def due_date(invoice_date: date, terms: str) -> date:
    """Due date of an invoice under the customer's payment terms."""
    return date.fromordinal(_due(invoice_date.toordinal(), terms))


def _due(day: int, terms: str) -> int:
    if terms == "RECEIPT":
        return day
    if terms == "EOM45":
        d = date.fromordinal(day + 45)
        return _month_end(d.year, d.month).toordinal()
    if terms == "45EOM":
        d = date.fromordinal(day)
        return _month_end(d.year, d.month).toordinal() + 45
    if terms.startswith("NET"):
        return day + int(terms[3:])
    raise ValueError(f"unknown payment terms {terms!r}")


def _weekday(day: int) -> int:
    return (day + 6) % 7  # date.fromordinal(day).weekday()


def _bank_day(day: int) -> int:
    """Weekends move to the next Monday."""
    wd = _weekday(day)
    return day + (7 - wd if wd >= 5 else 0)


# --- customers --------------------------------------------------------------------------


class _Customer:
    __slots__ = (
        "index", "code", "name", "bank_name", "siren", "country", "segment", "terms", "vat",
        "sales_rep", "email", "credit_limit", "profile", "weight", "median_ht", "groups",
        "first", "last", "lo", "hi",
    )  # fmt: skip

    def __init__(self, index: int) -> None:
        self.index = index
        self.code = f"C{index + 1:04d}"
        self.credit_limit = 0
        self.lo = self.hi = 0


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _siren(rng: random.Random) -> str:
    """Eight random digits (not starting with 0-2) and their Luhn check digit."""
    body = str(rng.randint(30_000_000, 99_999_999))
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the check digit will take the rightmost place
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return body + str((10 - total % 10) % 10)


def _vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _of(town: str) -> str:
    return f"d'{town}" if _ascii(town)[0] in "AEIOUY" else f"de {town}"


def _name(rng: random.Random, segment: str, country: str) -> str:
    if country != "FR":
        surnames, trades, forms = FOREIGN[country]
        return f"{rng.choice(surnames)} {rng.choice(trades)} {rng.choice(forms)}"
    if segment == "PUBLIC":
        return f"{rng.choice(PUBLIC_BODIES)} {_of(rng.choice(TOWNS))}"
    pattern = rng.randrange(6)
    surname, activity = rng.choice(SURNAMES), rng.choice(ACTIVITIES)
    if pattern == 0:
        return f"{activity} {surname}"
    if pattern == 1:
        return f"{activity} {surname} {rng.choice(LEGAL_FORMS)}"
    if pattern == 2:
        return f"{rng.choice(LEGAL_FORMS)} {surname} et Fils"
    if pattern == 3:
        return f"{activity} {_of(rng.choice(TOWNS))}"
    if pattern == 4:
        other = rng.choice(SURNAMES)
        return (
            f"{surname} {other} {rng.choice(LEGAL_FORMS)}"
            if other != surname
            else f"{surname} {activity}"
        )
    return f"{activity} {surname} {rng.choice(TOWNS)}"


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names = [n for n, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


def _make_customers(rng: random.Random, n: int, start: int, end: int) -> list[_Customer]:
    result: list[_Customer] = []
    names: set[str] = set()
    sirens: set[str] = set()
    span = end - start
    for index in range(n):
        c = _Customer(index)
        c.segment = _pick(rng, SEGMENTS)
        c.country = "FR"
        if c.segment != "PUBLIC" and rng.random() < 0.05:
            c.country = rng.choice(("BE", "DE", "ES"))
        name = ""
        for attempt in range(200):
            name = _name(rng, c.segment if attempt < 50 else "PME", c.country)
            if name not in names:
                break
        else:
            name = f"{name} {index + 1}"
        names.add(name)
        c.name = name
        c.bank_name = _ascii(name).upper()[:32].rstrip()
        if c.country == "FR":
            siren = _siren(rng)
            while siren in sirens:
                siren = _siren(rng)
            sirens.add(siren)
            c.siren, c.vat = siren, _vat_number(siren)
        else:
            c.siren = c.vat = ""
        c.terms = "NET30" if c.segment == "PUBLIC" else _pick(rng, TERMS)
        c.sales_rep = rng.choice(SALES_REPS)
        slug = "-".join("".join(ch if ch.isalnum() else " " for ch in _ascii(name).lower()).split())
        box = rng.choice(("compta", "comptabilite", "factures", "contact"))
        c.email = f"{box}@{slug}.{c.country.lower()}"
        c.profile = rng.choices(_PROFILES, weights=_SEGMENT_PROFILES[c.segment])[0]
        c.weight = _SEGMENT_WEIGHT[c.segment] * rng.lognormvariate(0, 0.6)
        c.median_ht = _SEGMENT_MEDIAN_HT[c.segment] * rng.lognormvariate(0, 0.4)
        c.groups = rng.random() < _SEGMENT_GROUPS_PAYMENTS[c.segment]
        c.first, c.last = start, end
        life = rng.random()
        if life < 0.12 and span > 240:  # won during the period
            c.first = start + rng.randint(30, span - 90)
        elif life < 0.20 and span > 240:  # lost during the period
            c.last = start + rng.randint(120, span - 30)
        result.append(c)
    if not any(c.groups for c in result):  # somebody always pays several invoices at once
        max(result, key=lambda c: c.weight).groups = True
    # a couple of customers on 90 days, beyond the legal cap
    for c in rng.sample(result, min(len(result), max(1, round(n / 150)))):
        if c.segment != "PUBLIC":
            c.terms = "NET90"
    return result


# --- simulation -------------------------------------------------------------------------


class _Ledger:
    """The receivable lines (one per entry, two for the doubtful transfer) and their groups."""

    def __init__(self, customers: list[_Customer], start: int, split: int, end: int) -> None:
        self.customers = customers
        self.start, self.split, self.end = start, split, end
        self.cust = array("l")
        self.day = array("l")
        self.amount = array("q")  # signed cents, debit positive
        self.ht = array("q")  # revenue line of invoices and credit notes
        self.kind = array("b")
        self.account = array("b")  # 0: 411000, 1: 416000
        self.group = array("l")
        self.ref: list[str] = []
        self.label: list[str | None] = []  # None: the invoice label, built when written
        self.group_cust = array("l")
        self.group_settled = array("l")  # lettering date (ordinal) of lettered groups, else 0
        self.group_code: list[str] = []

    def item(
        self, cust: int, day: int, amount: int, kind: int, ref: str, label: str | None, ht: int = 0
    ) -> int:
        self.cust.append(cust)
        self.day.append(day)
        self.amount.append(amount)
        self.ht.append(ht)
        self.kind.append(kind)
        self.account.append(1 if kind == _OD_416 else 0)
        self.group.append(-1)
        self.ref.append(ref)
        self.label.append(label)
        return len(self.day) - 1

    def new_group(self, cust: int, members: list[int], lettered_on: int) -> int:
        g = len(self.group_cust)
        self.group_cust.append(cust)
        self.group_settled.append(lettered_on)
        self.group_code.append("")
        for m in members:
            self.group[m] = g
        return g

    def label_of(self, i: int) -> str:
        label = self.label[i]
        if label is None:
            return f"Facture {self.ref[i]} {self.customers[self.cust[i]].name}"
        return label

    def restated(self) -> dict[int, list[int]]:
        """Receivable lines of FY1 still unlettered at its end, by customer, in date order."""
        by_customer: dict[int, list[int]] = {}
        split, start = self.split, self.start
        day, group, settled = self.day, self.group, self.group_settled
        for i in range(len(day)):
            if day[i] < split and not (start <= settled[group[i]] < split):
                by_customer.setdefault(self.cust[i], []).append(i)
        for items in by_customer.values():
            items.sort(key=day.__getitem__)
        return by_customer

    def count_lines(self, single_file: bool) -> int:
        kinds = self.kind.tobytes()
        total = sum(kinds.count(bytes([k])) * n for k, n in _LINES_PER_ENTRY.items())
        if not single_file:
            for items in self.restated().values():
                total += len(items) + (1 if sum(self.amount[i] for i in items) else 0)
        return total


def _letter_code(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA, 27 → AB ..."""
    code = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        code = chr(65 + r) + code
    return code


def _simulate(
    seed: int, n_customers: int, start_date: date, split_date: date, end_date: date, invoices: int
) -> _Ledger:
    rng = random.Random(seed)
    start, split, end = start_date.toordinal(), split_date.toordinal(), end_date.toordinal()
    customers = _make_customers(rng, n_customers, start, end)
    ledger = _Ledger(customers, start, split, end)

    # the customer that goes bankrupt around month 16
    candidates = [
        c
        for c in customers
        if c.country == "FR" and c.segment in ("PME", "TPE") and c.first == start and c.last == end
    ] or customers
    doubtful = rng.choice(candidates)
    judgment = _add_months(start_date, 15).toordinal() + rng.randint(0, 27)
    judgment = min(judgment, end - 40)
    transfer = min(_bank_day(judgment + rng.randint(10, 30)), end)
    if doubtful.profile == "prompt":
        doubtful.profile = "slow"
    doubtful.weight = max(doubtful.weight, 1.0)
    doubtful.last = min(doubtful.last, judgment - 1)
    doubtful.first = min(doubtful.first, doubtful.last)

    _invoices(rng, ledger, invoices)
    for c in customers:
        # about two and a half months of the customer's sales, rounded up to a thousand euros
        monthly = sum(ledger.amount[c.lo : c.hi]) * 30 // max(c.last - c.first + 1, 30)
        c.credit_limit = max(100_000, -(-5 * monthly // 2 // 100_000) * 100_000)
    for c in customers:
        _settle(rng, ledger, c, doubtful, judgment, transfer)
    _unapplied(rng, ledger, [c for c in customers if c is not doubtful])
    _number_credit_notes(ledger)

    # lettering codes per customer, in lettering order, continued from one year to the next
    by_customer: dict[int, list[int]] = {}
    settled = ledger.group_settled
    for g in range(len(settled)):
        if settled[g]:
            by_customer.setdefault(ledger.group_cust[g], []).append(g)
    for groups in by_customer.values():
        groups.sort(key=settled.__getitem__)
        for n, g in enumerate(groups):
            ledger.group_code[g] = _letter_code(n)
    return ledger


def _invoices(rng: random.Random, ledger: _Ledger, total: int) -> None:
    """Invoice lines, customer by customer in date order, then numbered chronologically."""
    customers = ledger.customers
    exposure = sum(c.weight * (c.last - c.first + 1) for c in customers)
    growth = 0.25  # the business grows: density 1 + growth * t over a customer's life
    for c in customers:
        expected = total * c.weight * (c.last - c.first + 1) / exposure
        n = int(expected)
        if rng.random() < expected - n:
            n += 1
        span = c.last - c.first
        days = []
        for _ in range(n):
            u = rng.random()
            t = (math.sqrt(1 + 2 * growth * u * (1 + growth / 2)) - 1) / growth
            d = c.first + int(t * span)
            wd = _weekday(d)
            if wd >= 5:  # invoices are issued on working days
                d = d - (wd - 4) if d - (wd - 4) >= ledger.start else d + (7 - wd)
            days.append(d)
        days.sort()
        c.lo = len(ledger.day)
        median = c.median_ht
        for d in days:
            ht = int(median * rng.lognormvariate(0, 0.9))
            ht = min(max(ht, 5_000), 2_500_000)
            shape = rng.random()
            if shape < 0.35:
                ht = max(ht // 1000 * 1000, 5_000)  # round tens of euros
            elif shape < 0.6:
                ht = ht // 100 * 100
            vat = (ht * 20 + 50) // 100
            ledger.item(c.index, d, ht + vat, _INVOICE, "", None, ht)
        c.hi = len(ledger.day)
    order = list(range(len(ledger.day)))
    order.sort(key=ledger.day.__getitem__)
    sequence: dict[int, int] = {}
    for i in order:
        year = date.fromordinal(ledger.day[i]).year
        sequence[year] = sequence.get(year, 0) + 1
        ledger.ref[i] = f"FA{year}-{sequence[year]:06d}"


@functools.cache
def _bank_ref(day: int) -> str:
    """The bank statement a payment comes from (one string object per day, shared)."""
    d = date.fromordinal(day)
    return f"REL{d.year}-{d.month:02d}"


def _settle(
    rng: random.Random,
    ledger: _Ledger,
    c: _Customer,
    doubtful: _Customer,
    judgment: int,
    transfer: int,
) -> None:
    """Credit notes and payments of one customer's invoices, grouped into settlement groups."""
    r, randint = rng.random, rng.randint
    is_doubtful = c is doubtful
    cutoff = judgment - 46 if is_doubtful else ledger.end  # the bankrupt stops paying
    note_cutoff = judgment - 1 if is_doubtful else ledger.end
    open_groups: list[int] = []
    bank_ref = _bank_ref

    def label(refs: list[str]) -> str:
        x = r()
        if x < 0.78:
            return (
                f"VIR {c.bank_name} {refs[0]}" if len(refs) == 1 else "Règlement " + " ".join(refs)
            )
        if x < 0.92:
            return f"VIR SEPA {c.bank_name}"
        return f"CHQ {randint(1_000_000, 9_999_999)}"

    def close(members: list[int], complete: bool) -> None:
        lettered_on = 0
        if complete:
            settled_on = max(ledger.day[m] for m in members)
            if r() < LETTERED_SHARE:
                lettered_on = settled_on
        g = ledger.new_group(c.index, members, lettered_on)
        if not complete:
            open_groups.append(g)

    batch: list[tuple[int, int]] = []
    batch_size = 0

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        members = [i for i, _ in batch]
        pay_day = max(d for _, d in batch)
        if pay_day <= cutoff:
            refs = [ledger.ref[i] for i in members]
            amount = sum(ledger.amount[i] for i in members)
            text = label(refs)
            members.append(
                ledger.item(c.index, pay_day, -amount, _PAYMENT, bank_ref(pay_day), text)
            )
            close(members, True)
        else:
            close(members, False)
        batch = []

    profile, terms = c.profile, c.terms
    never_paid = _NEVER_PAID[profile]
    for i in range(c.lo, c.hi):
        day, ttc, ht = ledger.day[i], ledger.amount[i], ledger.ht[i]
        members = [i]
        remaining = ttc
        note_day = 0
        if r() < CREDIT_NOTE_SHARE:
            note_day = day + randint(3, 40)
            if note_day <= note_cutoff:
                note_ht = ht if r() < 0.35 else ht * randint(5, 50) // 100  # total or partial
                note_ttc = note_ht + (note_ht * 20 + 50) // 100
                members.append(
                    ledger.item(
                        c.index, note_day, -note_ttc, _CREDIT_NOTE, ledger.ref[i], None, note_ht
                    )
                )
                remaining -= note_ttc
            else:
                note_day = 0
        if remaining == 0:
            close(members, True)
            continue
        if r() < never_paid:  # disputed, never paid
            close(members, False)
            continue
        due = _due(day, terms)
        kind = profile
        if kind == "partial" and r() < 0.5:
            first_day = max(_bank_day(due + randint(0, 30)), day, note_day)
            first = remaining * randint(30, 70) // 100
            second_day = _bank_day(first_day + randint(20, 90))
            plan = [(first_day, first), (second_day, remaining - first)]
        else:
            if kind == "prompt":
                delay = randint(-5, 5)
            elif kind == "chronic":
                delay = randint(60, 150)
            else:
                delay = randint(15, 60)
            if r() < 0.03:  # a disputed invoice, paid much later
                delay += randint(45, 200)
            pay_day = max(_bank_day(due + delay), day, note_day)
            if c.groups and note_day == 0:
                if batch and (len(batch) >= batch_size or pay_day - batch[0][1] > 31):
                    flush()
                if not batch:
                    batch_size = randint(2, 4)
                batch.append((i, pay_day))
                continue
            plan = [(pay_day, remaining)]
        complete = True
        for pay_day, amount in plan:
            if pay_day > cutoff:
                complete = False
                continue
            text = label([ledger.ref[i]])
            members.append(
                ledger.item(c.index, pay_day, -amount, _PAYMENT, bank_ref(pay_day), text)
            )
        close(members, complete)
    flush()

    if is_doubtful:
        # transfer of the open balance to doubtful customers, lettered with the open lines
        still_open = set(open_groups)
        group, cust = ledger.group, ledger.cust
        members = [m for m in range(len(group)) if cust[m] == c.index and group[m] in still_open]
        balance = sum(ledger.amount[m] for m in members)
        if balance > 0:
            ref = f"OD-DOUTEUX-{c.code}"
            text = f"Transfert en clients douteux {c.name}"
            members.append(ledger.item(c.index, transfer, -balance, _OD_411, ref, text))
            ledger.new_group(c.index, members, transfer)
            extra = ledger.item(c.index, transfer, balance, _OD_416, ref, text)
            ledger.new_group(c.index, [extra], 0)


def _unapplied(rng: random.Random, ledger: _Ledger, customers: list[_Customer]) -> None:
    """Payments on account and duplicate payments nobody could match: left unlettered."""
    if not customers:
        return
    count = min(len(customers), max(2, round(len(customers) * 0.05)))
    for c in rng.sample(customers, count):
        day = _bank_day(ledger.end - rng.randint(5, 150))
        if day > ledger.end:
            day -= 7
        if c.hi > c.lo and rng.random() < 0.4:  # the same invoice paid twice
            amount = ledger.amount[rng.randrange(c.lo, c.hi)]
        else:
            amount = rng.randint(2, 50) * 10_000
        text = (
            f"VIR SEPA {c.bank_name}"
            if rng.random() < 0.7
            else f"CHQ {rng.randint(1_000_000, 9_999_999)}"
        )
        i = ledger.item(c.index, day, -amount, _PAYMENT, _bank_ref(day), text)
        ledger.new_group(c.index, [i], 0)


def _number_credit_notes(ledger: _Ledger) -> None:
    notes = [i for i in range(len(ledger.kind)) if ledger.kind[i] == _CREDIT_NOTE]
    notes.sort(key=ledger.day.__getitem__)
    sequence: dict[int, int] = {}
    for i in notes:
        year = date.fromordinal(ledger.day[i]).year
        sequence[year] = sequence.get(year, 0) + 1
        invoice = ledger.ref[i]
        ref = f"AV{year}-{sequence[year]:06d}"
        ledger.ref[i] = ref
        ledger.label[i] = f"Avoir {ref} sur {invoice}"


# --- writing ----------------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _write_fec(path: Path, ledger: _Ledger, first: int, last: int, *, opening: bool) -> int:
    """Write the entries dated first..last (ordinals); return the number of data lines."""
    n = len(ledger.day)
    day, kind, amount, ht, cust, group, ref = (
        ledger.day, ledger.kind, ledger.amount, ledger.ht, ledger.cust, ledger.group, ledger.ref,
    )  # fmt: skip
    settled, codes = ledger.group_settled, ledger.group_code
    customers = ledger.customers
    base = ledger.start
    keys = [
        ((day[i] - base) * 4 + _JOURNAL_RANK[kind[i]]) * n + i
        for i in range(n)
        if first <= day[i] <= last and kind[i] != _OD_416
    ]
    keys.sort()
    dates: dict[int, str] = {}

    def ds(d: int) -> str:
        s = dates.get(d)
        if s is None:
            s = dates[d] = date.fromordinal(d).strftime("%Y%m%d")
        return s

    def lettering(i: int) -> str:
        g = group[i]
        s = settled[g]
        if first <= s <= last:
            return f"{codes[g]}|{ds(s)}"
        return "|"

    count = 0
    out: list[str] = []
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        if opening:
            d = ds(first)
            for number, (c_index, items) in enumerate(sorted(ledger.restated().items()), 1):
                c = customers[c_index]
                head = f"AN|A-nouveaux|AN{number:06d}|{d}|"
                tail = f"|{d}||\n"
                net = 0
                for i in items:
                    a = amount[i]
                    net += a
                    debit, credit = (_money(a), "0,00") if a >= 0 else ("0,00", _money(-a))
                    out.append(
                        f"{head}{_ACCOUNT[ledger.account[i]]}|{c.code}|{c.name}|{ref[i]}|{ds(day[i])}|"
                        f"{ledger.label_of(i)}|{debit}|{credit}|{lettering(i)}{tail}"
                    )
                if net:
                    debit, credit = ("0,00", _money(net)) if net > 0 else (_money(-net), "0,00")
                    out.append(
                        f"{head}{_OPENING}|||AN-{c.code}|{d}|Bilan d'ouverture|{debit}|{credit}||{tail}"
                    )
            count += len(out)
            f.write("".join(out))
            out.clear()

        numbers = {"VT": 0, "BQ": 0, "OD": 0}
        for key in keys:
            i = key % n
            k = kind[i]
            d = ds(day[i])
            c = customers[cust[i]]
            a = amount[i]
            tail = f"|{d}||\n"
            if k == _PAYMENT:
                numbers["BQ"] += 1
                head = f"BQ|Banque|BQ{numbers['BQ']:06d}|{d}|"
                text = ledger.label[i]
                r = ref[i]
                m = _money(-a)
                out.append(f"{head}{_BANK}|||{r}|{d}|{text}|{m}|0,00||{tail}")
                out.append(
                    f"{head}411000|Clients|{c.code}|{c.name}|{r}|{d}|{text}|0,00|{m}|{lettering(i)}{tail}"
                )
            elif k == _INVOICE:
                numbers["VT"] += 1
                head = f"VT|Ventes|VT{numbers['VT']:06d}|{d}|"
                r = ref[i]
                text = f"Facture {r} {c.name}"
                h = ht[i]
                out.append(
                    f"{head}411000|Clients|{c.code}|{c.name}|{r}|{d}|{text}|{_money(a)}|0,00|{lettering(i)}{tail}"
                )
                out.append(f"{head}{_REVENUE}|||{r}|{d}|{text}|0,00|{_money(h)}||{tail}")
                out.append(f"{head}{_VAT}|||{r}|{d}|{text}|0,00|{_money(a - h)}||{tail}")
            elif k == _CREDIT_NOTE:
                numbers["VT"] += 1
                head = f"VT|Ventes|VT{numbers['VT']:06d}|{d}|"
                r = ref[i]
                text = ledger.label[i]
                h = ht[i]
                out.append(
                    f"{head}411000|Clients|{c.code}|{c.name}|{r}|{d}|{text}|0,00|{_money(-a)}|{lettering(i)}{tail}"
                )
                out.append(f"{head}{_REVENUE}|||{r}|{d}|{text}|{_money(h)}|0,00||{tail}")
                out.append(f"{head}{_VAT}|||{r}|{d}|{text}|{_money(-a - h)}|0,00||{tail}")
            else:  # _OD_411: the 416 line is the next item
                numbers["OD"] += 1
                head = f"OD|Opérations diverses|OD{numbers['OD']:06d}|{d}|"
                r = ref[i]
                text = ledger.label[i]
                m = _money(-a)
                j = i + 1
                out.append(
                    f"{head}{_ACCOUNT[1]}|{c.code}|{c.name}|{r}|{d}|{text}|{m}|0,00|{lettering(j)}{tail}"
                )
                out.append(
                    f"{head}411000|Clients|{c.code}|{c.name}|{r}|{d}|{text}|0,00|{m}|{lettering(i)}{tail}"
                )
            if len(out) >= 20_000:
                count += len(out)
                f.write("".join(out))
                out.clear()
        count += len(out)
        f.write("".join(out))
    return count


def _write_customers(path: Path, customers: list[_Customer]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CUSTOMER_COLUMNS)
        for c in customers:
            writer.writerow(
                [c.code, c.name, c.siren, c.country, c.segment, c.terms, c.vat, c.sales_rep, c.email,
                 f"{c.credit_limit // 100}.{c.credit_limit % 100:02d}", "EUR"]
            )  # fmt: skip


# --- financial statements ------------------------------------------------------------------

# the health behind a customer's statements, by payment profile: mean and spread of a latent
# score that sets its ratios (a chronic late payer tends to weak accounts, not always)
_HEALTH = {"prompt": (2.0, 0.7), "slow": (1.3, 0.7), "chronic": (0.4, 0.8), "partial": (0.6, 0.8)}
_SEGMENT_SALES = {"TPE": (400_000, 2_000_000), "PME": (2_000_000, 50_000_000),
                  "ETI": (50_000_000, 1_500_000_000), "GE": (1_500_000_000, 9_000_000_000)}  # fmt: skip
FINANCIAL_COLUMNS = (
    "siren", "year_end", "total_assets", "current_assets", "inventories", "cash", "equity",
    "retained_earnings", "total_liabilities", "short_term_liabilities", "sales", "ebit",
    "ebitda", "financial_charges", "staff_costs", "value_added", "net_income",
)  # fmt: skip


def _write_financials(path: Path, customers: list[_Customer], end: date, seed: int) -> None:
    """Two fiscal years (31 December) of statements for about half the French private
    customers with a SIREN, their health drawn from their payment profile."""
    rng = random.Random(seed * 7919 + 17)
    years = [date(end.year - 2, 12, 31), date(end.year - 1, 12, 31)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(FINANCIAL_COLUMNS)
        for c in customers:
            if not c.siren or c.segment not in _SEGMENT_SALES or rng.random() < 0.5:
                continue
            mean, spread = _HEALTH[c.profile]
            health = rng.gauss(mean, spread)
            low, high = _SEGMENT_SALES[c.segment]
            sales = rng.uniform(low, high)
            for year_end in years:
                health += rng.gauss(0, 0.25)
                sales *= rng.uniform(0.9, 1.15)
                writer.writerow([c.siren, year_end.isoformat(), *_statement(rng, health, sales)])


def _statement(rng: random.Random, health: float, sales: float) -> list[str]:
    """The figures of one year, in euros with cents, whose Altman Z'' follows ``health``
    (random draws, as the rest of the demo's amounts)."""
    assets = sales * rng.uniform(0.5, 1.2)
    current = assets * rng.uniform(0.4, 0.7)
    x1 = 0.04 + 0.09 * health + rng.gauss(0, 0.03)  # working capital / total assets
    x2 = 0.03 + 0.08 * health + rng.gauss(0, 0.03)  # retained earnings / total assets
    x3 = 0.005 + 0.035 * health + rng.gauss(0, 0.01)  # EBIT / total assets
    x4 = max(0.15 + 0.3 * health + rng.gauss(0, 0.08), -0.15)  # equity / total liabilities
    equity = x4 * assets / (1 + x4)
    liabilities = assets - equity
    short_term = min(current - x1 * assets, liabilities)
    ebit = x3 * assets
    staff = sales * rng.uniform(0.2, 0.4)
    charges = liabilities * rng.uniform(0.015, 0.04)
    figures = [
        assets, current, current * rng.uniform(0.1, 0.4), current * rng.uniform(0.05, 0.2),
        equity, x2 * assets, liabilities, short_term, sales, ebit,
        ebit + assets * rng.uniform(0.02, 0.05), charges, staff,
        staff / rng.uniform(0.55, 0.8), ebit * 0.72 - charges,
    ]  # fmt: skip
    # the draws become whole cents at once; the file says them with a decimal point
    return [_decimal_text(round(value * 100)) for value in figures]


def _decimal_text(cents: int) -> str:
    """``-1234`` cents as ``-12.34`` (the FEC's ``_money`` writes a comma, for positives)."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
