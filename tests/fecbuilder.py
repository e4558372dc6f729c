"""Write small FEC files by hand in tests: entries as Python calls, amounts as strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
NAMES = {
    "ACME": "Acme SARL",
    "GLOBEX": "Globex SAS",
    "INITECH": "Initech SA",
    "UMBRELLA": "Umbrella Corp",
}


def fr(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


@dataclass
class Fec:
    lines: list[str] = field(default_factory=list)
    counter: int = 0

    def line(
        self,
        journal,
        num,
        day,
        account,
        aux,
        ref,
        label,
        debit="0",
        credit="0",
        let="",
        datelet="",
        piece_date=None,
    ):
        name = NAMES.get(aux, aux) if aux else ""
        acct_label = {
            "411000": "Clients",
            "706000": "Prestations",
            "445710": "TVA collectée",
            "512000": "Banque",
        }.get(account, account)
        self.lines.append(
            "|".join(
                [
                    journal,
                    journal,
                    num,
                    day,
                    account,
                    acct_label,
                    aux,
                    name,
                    ref,
                    piece_date or day,
                    label,
                    fr(Decimal(debit)),
                    fr(Decimal(credit)),
                    let,
                    datelet,
                    day,
                    "",
                    "",
                ]
            )
        )

    def invoice(self, day, customer, ref, ttc, let="", datelet="", journal="VT"):
        self.counter += 1
        num = f"{journal}{self.counter:05d}"
        ttc = Decimal(ttc)
        ht = (ttc / Decimal("1.2")).quantize(Decimal("0.01"))
        self.line(
            journal,
            num,
            day,
            "411000",
            customer,
            ref,
            f"Facture {ref}",
            debit=ttc,
            let=let,
            datelet=datelet,
        )
        self.line(journal, num, day, "706000", "", ref, f"Facture {ref}", credit=ht)
        self.line(journal, num, day, "445710", "", ref, f"TVA {ref}", credit=ttc - ht)

    def credit_note(self, day, customer, ref, ttc, label, let="", datelet=""):
        self.counter += 1
        num = f"VT{self.counter:05d}"
        ttc = Decimal(ttc)
        ht = (ttc / Decimal("1.2")).quantize(Decimal("0.01"))
        self.line(
            "VT", num, day, "411000", customer, ref, label, credit=ttc, let=let, datelet=datelet
        )
        self.line("VT", num, day, "706000", "", ref, label, debit=ht)
        self.line("VT", num, day, "445710", "", ref, label, debit=ttc - ht)

    def payment(self, day, customer, amount, label, let="", datelet="", ref="REL"):
        self.counter += 1
        num = f"BQ{self.counter:05d}"
        self.line(
            "BQ", num, day, "411000", customer, ref, label, credit=amount, let=let, datelet=datelet
        )
        self.line("BQ", num, day, "512000", "", ref, label, debit=amount)

    def opening(self, day, customer, ref, amount, piece_date, let="", datelet=""):
        """An à-nouveau line restating an item of the year before, and its balancing line."""
        self.counter += 1
        num = f"AN{self.counter:05d}"
        amount = Decimal(amount)
        d, c = (amount, Decimal(0)) if amount > 0 else (Decimal(0), -amount)
        self.line(
            "AN",
            num,
            day,
            "411000",
            customer,
            ref,
            f"A nouveau {ref}",
            debit=d,
            credit=c,
            let=let,
            datelet=datelet,
            piece_date=piece_date,
        )
        self.line("AN", num, day, "890000", "", ref, "Bilan d'ouverture", debit=c, credit=d)

    def text(self) -> str:
        return "\r\n".join([HEADER, *self.lines]) + "\r\n"

    def write(self, path: Path, encoding: str = "utf-8") -> Path:
        path.write_bytes(self.text().encode(encoding))
        return path


def hand_ledger() -> Fec:
    """Four customers, every bucket, every matching rule; figures worked out in test_hand_ledger."""
    f = Fec()
    # Acme pays on time
    f.invoice("20260410", "ACME", "FA001", "1200.00", let="A", datelet="20260508")
    f.payment("20260508", "ACME", "1200.00", "VIR ACME", let="A", datelet="20260508")
    f.invoice("20260605", "ACME", "FA002", "600.00")
    f.invoice("20260331", "ACME", "FA009", "100.00")
    f.invoice("20260702", "ACME", "FA008", "999.00")  # after the as-of date
    # Globex pays late
    f.invoice("20260301", "GLOBEX", "FA003", "2400.00", let="B", datelet="20260705")
    f.invoice("20260415", "GLOBEX", "FA004", "1800.00")
    f.payment("20260610", "GLOBEX", "1000.00", "VIR GLOBEX FA004")  # reference in the label
    f.invoice("20260520", "GLOBEX", "FA005", "3000.00")
    f.payment("20260625", "GLOBEX", "3000.00", "VIREMENT")  # exact amount
    f.payment("20260705", "GLOBEX", "2400.00", "VIR GLOBEX", let="B", datelet="20260705")
    # Initech disputes, gets a credit note
    f.invoice("20260531", "INITECH", "FA006", "5000.00")
    f.credit_note("20260615", "INITECH", "AV001", "400.00", "Avoir sur FA006")
    f.invoice("20260501", "INITECH", "FA010", "250.00")
    # Umbrella overpays
    f.invoice("20260401", "UMBRELLA", "FA007", "700.00")
    f.payment("20260620", "UMBRELLA", "1100.00", "CHQ 123")  # oldest first, 400 unapplied
    return f
