"""A customer's financial statements read as a credit manager does: ratios and two scores.

Amounts are integer cents (a statement's figures as filed); ratios are exact
``Decimal`` fractions, rounded to four places only when shown.

**Altman Z''** (the model for non-manufacturing and private firms)::

    X1 = (current assets - short-term liabilities) / total assets   (working capital)
    X2 = retained earnings / total assets
    X3 = EBIT / total assets
    X4 = book equity / total liabilities
    Z'' = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4
    safe above 2.60, grey from 1.10 to 2.60, distress below 1.10

**Conan–Holder** (Banque de France, 1979), a percentage::

    R1 = EBITDA (EBE) / total liabilities
    R2 = permanent capital / total assets, permanent capital = equity + long-term
         liabilities (total liabilities - short-term liabilities)
    R3 = (current assets - inventories) / total assets   (réalisable et disponible)
    R4 = financial charges / sales
    R5 = staff costs / value added
    Z = 24 R1 + 22 R2 + 16 R3 - 87 R4 - 10 R5
    healthy above 9, warning from 4 to 9, danger below 4

A missing figure leaves out what needs it and says so; a zero denominator or
negative total assets make a score impossible, with the reason.

>>> s = FinancialStatement(total_assets=1_000_000_00, current_assets=600_000_00,
...     inventories=200_000_00, equity=300_000_00, retained_earnings=150_000_00,
...     total_liabilities=700_000_00, short_term_liabilities=400_000_00, sales=2_000_000_00,
...     ebit=80_000_00, ebitda=120_000_00, financial_charges=20_000_00, staff_costs=500_000_00,
...     value_added=800_000_00)
>>> z = altman_z2(s); z.shown, z.zone
('2.7886', 'safe')
>>> c = conan_holder(s); c.shown, c.zone
('16.5943', 'healthy')
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

FIGURES = (
    "total_assets",
    "current_assets",
    "inventories",
    "cash",
    "equity",
    "retained_earnings",
    "total_liabilities",
    "short_term_liabilities",
    "sales",
    "ebit",
    "ebitda",
    "financial_charges",
    "staff_costs",
    "value_added",
    "net_income",
)
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class FinancialStatement:
    """One fiscal year's figures, in cents; None where the statement does not give it."""

    total_assets: int | None = None
    current_assets: int | None = None
    inventories: int | None = None
    cash: int | None = None
    equity: int | None = None
    retained_earnings: int | None = None
    total_liabilities: int | None = None
    short_term_liabilities: int | None = None
    sales: int | None = None
    ebit: int | None = None
    ebitda: int | None = None
    financial_charges: int | None = None
    staff_costs: int | None = None
    value_added: int | None = None
    net_income: int | None = None

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [n for n in names if getattr(self, n) is None]

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


@dataclass(frozen=True)
class Score:
    """A score with the ratios it was made of; ``value`` None when it cannot be made."""

    name: str
    value: Decimal | None
    zone: str | None
    ratios: dict[str, Decimal] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # figures the statement lacks
    problems: list[str] = field(default_factory=list)  # why it cannot be made

    @property
    def shown(self) -> str | None:
        return None if self.value is None else str(self.value.quantize(FOUR_PLACES))


class _Ratios:
    """Ratios of one statement, noting the denominators that are zero."""

    def __init__(self, statement: FinancialStatement) -> None:
        self.s = statement
        self.problems: list[str] = []

    def ratio(self, name: str, numerator: int, denominator: int, label: str) -> Decimal | None:
        if denominator == 0:
            self.problems.append(f"{label} is zero: {name} cannot be computed")
            return None
        return Decimal(numerator) / Decimal(denominator)


def _prerequisites(
    statement: FinancialStatement, needed: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    missing = statement.missing(needed)
    problems = []
    if statement.total_assets is not None and statement.total_assets < 0:
        problems.append("negative total assets: the statement is not usable")
    return missing, problems


ALTMAN_FIGURES = (
    "total_assets",
    "current_assets",
    "short_term_liabilities",
    "retained_earnings",
    "ebit",
    "equity",
    "total_liabilities",
)
ALTMAN_WEIGHTS = {
    "x1": Decimal("6.56"),
    "x2": Decimal("3.26"),
    "x3": Decimal("6.72"),
    "x4": Decimal("1.05"),
}


def altman_z2(statement: FinancialStatement) -> Score:
    missing, problems = _prerequisites(statement, ALTMAN_FIGURES)
    if missing or problems:
        return Score("altman_z2", None, None, missing=missing, problems=problems)
    s = statement
    r = _Ratios(s)
    assert s.total_assets is not None and s.total_liabilities is not None
    ratios = {
        "x1": r.ratio(
            "X1", (s.current_assets or 0) - (s.short_term_liabilities or 0), s.total_assets,
            "total assets",
        ),
        "x2": r.ratio("X2", s.retained_earnings or 0, s.total_assets, "total assets"),
        "x3": r.ratio("X3", s.ebit or 0, s.total_assets, "total assets"),
        "x4": r.ratio("X4", s.equity or 0, s.total_liabilities, "total liabilities"),
    }  # fmt: skip
    return _weighted("altman_z2", ratios, ALTMAN_WEIGHTS, r.problems, _altman_zone)


def _altman_zone(value: Decimal) -> str:
    if value > Decimal("2.60"):
        return "safe"
    if value < Decimal("1.10"):
        return "distress"
    return "grey"


CONAN_HOLDER_FIGURES = (
    "total_assets",
    "current_assets",
    "inventories",
    "equity",
    "total_liabilities",
    "short_term_liabilities",
    "ebitda",
    "financial_charges",
    "sales",
    "staff_costs",
    "value_added",
)
CONAN_HOLDER_WEIGHTS = {
    "r1": Decimal(24),
    "r2": Decimal(22),
    "r3": Decimal(16),
    "r4": Decimal(-87),
    "r5": Decimal(-10),
}


def conan_holder(statement: FinancialStatement) -> Score:
    missing, problems = _prerequisites(statement, CONAN_HOLDER_FIGURES)
    if missing or problems:
        return Score("conan_holder", None, None, missing=missing, problems=problems)
    s = statement
    r = _Ratios(s)
    assert s.total_assets is not None and s.total_liabilities is not None
    long_term = s.total_liabilities - (s.short_term_liabilities or 0)
    ratios = {
        "r1": r.ratio("R1", s.ebitda or 0, s.total_liabilities, "total liabilities"),
        "r2": r.ratio("R2", (s.equity or 0) + long_term, s.total_assets, "total assets"),
        "r3": r.ratio(
            "R3", (s.current_assets or 0) - (s.inventories or 0), s.total_assets, "total assets"
        ),
        "r4": r.ratio("R4", s.financial_charges or 0, s.sales or 0, "sales"),
        "r5": r.ratio("R5", s.staff_costs or 0, s.value_added or 0, "value added"),
    }
    return _weighted("conan_holder", ratios, CONAN_HOLDER_WEIGHTS, r.problems, _conan_holder_zone)


def _conan_holder_zone(value: Decimal) -> str:
    if value > 9:
        return "healthy"
    if value < 4:
        return "danger"
    return "warning"


def _weighted(
    name: str,
    ratios: dict[str, Decimal | None],
    weights: dict[str, Decimal],
    problems: list[str],
    zone_of: object,
) -> Score:
    if problems or any(v is None for v in ratios.values()):
        known = {k: v for k, v in ratios.items() if v is not None}
        return Score(name, None, None, known, problems=problems)
    exact = {k: v for k, v in ratios.items() if v is not None}
    value = sum((weights[k] * v for k, v in exact.items()), Decimal(0))
    assert callable(zone_of)
    return Score(name, value, zone_of(value), exact)


def ratios_of(statement: FinancialStatement) -> dict[str, Decimal]:
    """The usual ratios a credit manager reads, where the figures allow them."""
    s = statement
    out: dict[str, Decimal] = {}
    pairs = {
        "current_ratio": (s.current_assets, s.short_term_liabilities),
        "quick_ratio": (
            None if s.current_assets is None or s.inventories is None
            else s.current_assets - s.inventories,
            s.short_term_liabilities,
        ),
        "equity_ratio": (s.equity, s.total_assets),
        "gearing": (s.total_liabilities, s.equity),
        "net_margin": (s.net_income, s.sales),
        "ebitda_margin": (s.ebitda, s.sales),
        "interest_cover": (s.ebit, s.financial_charges),
    }  # fmt: skip
    for name, (numerator, denominator) in pairs.items():
        if numerator is not None and denominator:
            out[name] = Decimal(numerator) / Decimal(denominator)
    return out
