"""The month end's entries for the accountant, in FEC layout, from its approved provisions.

Three kinds of entry, each an invoice's change since the month before's approved run:

- the transfer of a doubtful receivable from 411 (customers) to 416 (doubtful customers),
  at its open amount VAT included, and back when it is paid or no longer doubtful;
- the provision: a dotation (681740 / 491000) or a reversal (491000 / 781740);
- the write-off of an invoice whose case closed written off in the month: its amount
  excluding VAT to 654000, the VAT collected regularised on 445710 (a definitive bad debt
  gives it back), against 416000 (411000 if it had not been transferred); its provision
  is reversed, since it leaves the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer
from creditpilot.risk.models import ProvisionRun

CUSTOMERS_ACCOUNT = "411000"
DOUBTFUL_ACCOUNT = "416000"
DOTATION_ACCOUNT = "681740"
PROVISION_ACCOUNT = "491000"
REVERSAL_ACCOUNT = "781740"
LOSS_ACCOUNT = "654000"
VAT_ACCOUNT = "445710"
JOURNAL = ("OD", "Opérations diverses")
ACCOUNT_LABELS = {
    CUSTOMERS_ACCOUNT: "Clients",
    DOUBTFUL_ACCOUNT: "Clients douteux ou litigieux",
    DOTATION_ACCOUNT: "Dotations aux dépréciations des créances",
    PROVISION_ACCOUNT: "Dépréciation des comptes clients",
    REVERSAL_ACCOUNT: "Reprises sur dépréciations des créances",
    LOSS_ACCOUNT: "Pertes sur créances irrécouvrables",
    VAT_ACCOUNT: "TVA collectée",
}
HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
    "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|"
    "ValidDate|Montantdevise|Idevise"
)
Key = tuple[str, str, str, int]
# (account, debit in cents, credit in cents); the customer's accounts carry its code
Leg = tuple[str, int, int]


def _key(line: dict[str, Any]) -> Key:
    """An invoice line across months: two instalments of one invoice share all but their id."""
    return line["customer"], line["number"], line["due_date"], line["document"]


def previous_run(run: ProvisionRun) -> ProvisionRun | None:
    return (
        ProvisionRun.objects.filter(
            company_id=run.company_id,
            status=ProvisionRun.Status.APPROVED,
            month_end__lt=run.month_end,
        )
        .order_by("-month_end")
        .first()
    )


def _changes(
    before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]], field: str
) -> list[tuple[dict[str, Any], int]]:
    """Each invoice's change of ``field`` from ``before`` to ``after`` (an invoice gone from
    ``after`` goes back to nothing), sorted by invoice."""
    held = {_key(line): line for line in before}
    moves = []
    for line in after:
        previous = held.pop(_key(line), None)
        delta = line[field] - (previous[field] if previous else 0)
        if delta:
            moves.append((line, delta))
    moves += [(line, -line[field]) for line in held.values() if line[field]]
    return sorted(moves, key=lambda m: _key(m[0]))


def provision_moves(run: ProvisionRun) -> list[tuple[dict[str, Any], int]]:
    """Each invoice's change of provision since the month before's approved run: positive
    is a dotation, negative a reversal (an invoice gone from the list is reversed in full)."""
    before = previous_run(run)
    return _changes(before.lines if before else [], run.lines, "provision")


def _write_offs(run: ProvisionRun, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The month's write-offs of a positive amount, each saying whether it sat on 416."""
    transferred = {_key(line) for line in before}
    return [
        {**line, "transferred": _key(line) in transferred}
        for line in run.writeoffs
        if line["open"] > 0
    ]


def transfer_moves(run: ProvisionRun) -> list[tuple[dict[str, Any], int]]:
    """Each invoice's change of the amount held on 416: its open amount while it is on the
    list; a written-off invoice that was on it is brought to its amount on the day of the
    write-off, which then clears it."""
    previous = previous_run(run)
    before = previous.lines if previous else []
    lost = [line for line in _write_offs(run, before) if line["transferred"]]
    return _changes(before, [*run.lines, *lost], "open")


def _amount(cents: int) -> str:
    return format_cents(cents).replace(".", ",")


class _Journal:
    """The rows of the FEC being written, one numbered entry at a time."""

    def __init__(self, run: ProvisionRun) -> None:
        self.rows = [HEADER]
        self.month = run.month_end.strftime("%Y%m")
        self.count = 0
        codes = {line["customer"] for line in [*run.lines, *run.writeoffs]}
        self.names = dict(
            Customer.objects.filter(company_id=run.company_id, code__in=codes).values_list(
                "code", "name"
            )
        )

    def entry(self, day: date, line: dict[str, Any], label: str, legs: list[Leg]) -> None:
        self.count += 1
        number = f"PROV{self.month}-{self.count:05d}"
        text = f"{label} {line['number']} {line['customer']}"[:200]
        stamp = day.strftime("%Y%m%d")
        for account, debit, credit in legs:
            personal = account in (CUSTOMERS_ACCOUNT, DOUBTFUL_ACCOUNT)
            cells = [
                JOURNAL[0], JOURNAL[1], number, stamp, account, ACCOUNT_LABELS[account],
                line["customer"] if personal else "",
                self.names.get(line["customer"], "") if personal else "",
                line["number"], stamp, text, _amount(debit), _amount(credit), "", "", stamp,
                "", "",
            ]  # fmt: skip
            self.rows.append("|".join(cell.replace("|", "/") for cell in cells))


def provisions_fec(run: ProvisionRun) -> str:
    """The month end's entries in FEC layout: transfers to and from 416, the provisions'
    dotations and reversals, then the month's write-offs."""
    journal = _Journal(run)
    day = run.month_end
    for line, delta in transfer_moves(run):
        if delta > 0:
            legs = [(DOUBTFUL_ACCOUNT, delta, 0), (CUSTOMERS_ACCOUNT, 0, delta)]
            journal.entry(day, line, "Transfert en clients douteux", legs)
        else:
            legs = [(CUSTOMERS_ACCOUNT, -delta, 0), (DOUBTFUL_ACCOUNT, 0, -delta)]
            journal.entry(day, line, "Retour en clients", legs)
    for line, delta in provision_moves(run):
        if delta > 0:
            legs = [(DOTATION_ACCOUNT, delta, 0), (PROVISION_ACCOUNT, 0, delta)]
            journal.entry(day, line, "Dépréciation", legs)
        else:
            legs = [(PROVISION_ACCOUNT, -delta, 0), (REVERSAL_ACCOUNT, 0, -delta)]
            journal.entry(day, line, "Reprise de dépréciation", legs)
    previous = previous_run(run)
    for line in _write_offs(run, previous.lines if previous else []):
        account = DOUBTFUL_ACCOUNT if line["transferred"] else CUSTOMERS_ACCOUNT
        legs = [(LOSS_ACCOUNT, line["open_excl_vat"], 0)]
        if line["vat"]:
            legs.append((VAT_ACCOUNT, line["vat"], 0))
        legs.append((account, 0, line["open"]))
        journal.entry(date.fromisoformat(line["day"]), line, "Créance irrécouvrable", legs)
    return "\r\n".join(journal.rows) + "\r\n"
