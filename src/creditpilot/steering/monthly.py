"""The monthly credit report for management, built from sections.

Each section builder takes the report's ``Facts`` (company, month end, language, the
KPI snapshots of the month end and the history before it) and returns a ``Section``
(or ``None`` when it has nothing to say). ``SECTIONS`` lists them in the report's
order: KPIs and their trend, the cash-in forecast kept at the month end, the aged
balance by segment and by sales rep, the top risks, disputes, litigation. Another part
of the product adds its own section by putting its builder in that list; the PDF and
the XLSX render whatever sections there are.

The KPIs are the history's (``steering.history``): a month end without a snapshot is
computed from the ledger as it stands, with the same rule, and the report says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from creditpilot.collections.models import Dispute, LitigationCase
from creditpilot.collections.statutory import open_invoices
from creditpilot.companies.models import Company
from creditpilot.core.aging import Buckets
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.money import to_cents
from creditpilot.customers.models import Customer
from creditpilot.forecast.services import accuracy, latest_run
from creditpilot.risk.models import RiskScore
from creditpilot.steering.cells import Chart, Column, Section, Table
from creditpilot.steering.history import (
    BUCKET_COLUMNS,
    aged_by_customer_at,
    compute_snapshots,
    month_end_of,
)
from creditpilot.steering.models import KpiSnapshot

TREND_MONTHS = 13  # the month end and the twelve before it
TOP_RISKS = 15
LISTED = 10  # disputes and cases listed one by one

DISPUTE_REASONS = {
    "price": gettext_lazy("price"),
    "quantity": gettext_lazy("quantity"),
    "quality": gettext_lazy("quality"),
    "delivery": gettext_lazy("delivery"),
    "duplicate": gettext_lazy("duplicate invoice"),
    "other": gettext_lazy("other"),
}
CASE_STAGES = {
    "amicable": gettext_lazy("amicable"),
    "formal_notice": gettext_lazy("formal notice"),
    "order_for_payment": gettext_lazy("order for payment"),
    "summary_proceedings": gettext_lazy("summary proceedings"),
    "collection_agency": gettext_lazy("collection agency"),
    "lawyer": gettext_lazy("lawyer"),
    "insolvency_claim": gettext_lazy("insolvency claim"),
}
CASE_OUTCOMES = {
    "recovered": gettext_lazy("recovered"),
    "settled": gettext_lazy("settled"),
    "written_off": gettext_lazy("written off"),
}


class NotAMonthEndError(InvalidInputError):
    code = "not_a_month_end"


@dataclass
class Facts:
    """What every section reads: the month end's snapshots and the company's trend."""

    company: Company
    month_end: date
    language: str
    snapshots: dict[tuple[str, str], KpiSnapshot]  # (group_by, key) at the month end
    trend: list[KpiSnapshot]  # the company's, oldest first, the month end last
    computed_now: bool  # the month end had no snapshot: computed from today's ledger
    _aged: dict[int, Buckets] | None = field(default=None, repr=False)

    @property
    def company_snapshot(self) -> KpiSnapshot:
        return self.snapshots[("company", "")]

    def aged(self) -> dict[int, Buckets]:
        """Each customer's buckets at the month end (read once, for the sections that need it)."""
        if self._aged is None:
            self._aged = aged_by_customer_at(self.company, [self.month_end])[self.month_end]
        return self._aged


def gather_facts(
    company: Company, month_end: date, language: str, *, any_day: bool = False
) -> Facts:
    """The facts at ``month_end``; with ``any_day``, at any day (the KPIs of a week)."""
    if not any_day and month_end_of(month_end) != month_end:
        raise NotAMonthEndError(
            None,
            f"{month_end.isoformat()} is not the last day of a month "
            f"(the month's is {month_end_of(month_end).isoformat()})",
        )
    stored = list(KpiSnapshot.objects.filter(company=company, month_end=month_end))
    computed_now = not any(s.group_by == "company" for s in stored)
    if computed_now:
        stored = compute_snapshots(company, [month_end])
    trend = list(
        KpiSnapshot.objects.filter(
            company=company, group_by="company", month_end__lt=month_end
        ).order_by("-month_end")[: TREND_MONTHS - 1]
    )[::-1]
    snapshots = {(s.group_by, s.group_key): s for s in stored}
    return Facts(
        company, month_end, language, snapshots, [*trend, snapshots[("company", "")]], computed_now
    )


# --- KPIs and their trend ----------------------------------------------------------------


def _a_year_before(facts: Facts) -> KpiSnapshot | None:
    target = month_end_of(facts.month_end.replace(day=1) - timedelta(days=335))
    return next((s for s in facts.trend if s.month_end == target), None)


def _change(now: Decimal | int | None, then: Decimal | int | None) -> Decimal | int | None:
    if now is None or then is None:
        return None
    return now - then


def kpi_section(facts: Facts) -> Section:
    now = facts.company_snapshot
    before = facts.trend[-2] if len(facts.trend) > 1 else None
    year = _a_year_before(facts)
    rows: list[list[object]] = []
    indicators = [
        (_("DSO (days)"), "dso", "days"),
        (_("Best possible DSO (days)"), "best_possible_dso", "days"),
        (_("Average days delinquent (days)"), "add", "days"),
        (_("Collection effectiveness index (CEI) of the month"), "cei", "percent"),
        (_("Overdue ratio"), "overdue_ratio", "ratio"),
        (_("Receivables"), "total", "amount"),
        (_("Overdue"), "overdue", "amount"),
        (_("Sales of the month"), "sales_month", "amount"),
        (_("Expected loss"), "expected_loss", "amount"),
    ]
    kinds = []
    for label, name, kind in indicators:
        values = [_figure(s, name) if s else None for s in (now, before, year)]
        rows.append([label, values[0], values[1], _change(values[0], values[1]), values[2]])
        kinds.append(kind)
    table = Table(
        [
            Column(_("Indicator")),
            Column(_("At the month end"), "mixed"),
            Column(_("A month before"), "mixed"),
            Column(_("Change over the month"), "mixed"),
            Column(_("A year before"), "mixed"),
        ],
        [[row[0], *((v, kind) for v in row[1:])] for row, kind in zip(rows, kinds, strict=True)],
    )
    section = Section("kpis", _("Key figures and their trend"), tables=[table, _trend_table(facts)])
    section.charts = _trend_charts(facts)
    section.notes = _kpi_notes(facts)
    return section


def _figure(snap: KpiSnapshot, name: str) -> Decimal | int | None:
    if name == "overdue":
        return snap.d1_30 + snap.d31_60 + snap.d61_90 + snap.over_90
    value: Decimal | int | None = getattr(snap, name)
    return value


def _trend_table(facts: Facts) -> Table:
    columns = [
        Column(_("Month end"), "date"),
        Column(_("DSO"), "days"),
        Column(_("Best possible DSO"), "days"),
        Column(_("ADD"), "days"),
        Column(_("CEI"), "percent"),
        Column(_("Overdue ratio"), "ratio"),
        Column(_("Receivables"), "amount"),
        Column(_("Overdue"), "amount"),
        Column(_("Expected loss"), "amount"),
    ]
    rows: list[list[object]] = [
        [
            s.month_end,
            s.dso,
            s.best_possible_dso,
            s.add,
            s.cei,
            s.overdue_ratio,
            s.total,
            _figure(s, "overdue"),
            s.expected_loss,
        ]
        for s in facts.trend
    ]
    return Table(columns, rows, title=_("The last twelve month ends"))


def _trend_charts(facts: Facts) -> list[Chart]:
    months = [s.month_end for s in facts.trend]
    days = Chart(
        _("DSO, best possible DSO and ADD"),
        months,
        {
            _("DSO"): [s.dso for s in facts.trend],
            _("Best possible DSO"): [s.best_possible_dso for s in facts.trend],
            _("ADD"): [s.add for s in facts.trend],
        },
        unit=_("days"),
    )
    ratio = Chart(
        _("Overdue ratio"),
        months,
        {_("Overdue ratio"): [_percent(s.overdue_ratio) for s in facts.trend]},
        unit="%",
    )
    return [days, ratio]


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * 100


def _kpi_notes(facts: Facts) -> list[str]:
    notes = []
    if facts.computed_now:
        notes.append(
            _(
                "The history holds no snapshot of this month end: its figures were computed "
                "now, from the ledger as it stands."
            )
        )
    backfilled = [s.month_end for s in facts.trend if s.backfilled]
    if backfilled:
        notes.append(
            _(
                "%(count)d month ends of the trend were taken after the fact (backfilled), "
                "from the ledger as it stood then."
            )
            % {"count": len(backfilled)}
        )
    if facts.company_snapshot.expected_loss is None:
        notes.append(_("No risk score on or before this month end: no expected loss."))
    return notes


# --- the aged balance by segment and by sales rep ------------------------------------------


def _aging_by(facts: Facts, group_by: str, title: str, label: str) -> Section:
    columns = [
        Column(label),
        Column(_("Receivables"), "amount"),
        Column(_("Not due"), "amount"),
        Column(_("1-30 days"), "amount"),
        Column(_("31-60 days"), "amount"),
        Column(_("61-90 days"), "amount"),
        Column(_("Over 90 days"), "amount"),
        Column(_("Overdue ratio"), "ratio"),
        Column(_("DSO"), "days"),
        Column(_("Expected loss"), "amount"),
    ]
    groups = sorted(
        (s for (by, _key), s in facts.snapshots.items() if by == group_by),
        key=lambda s: (-s.total, s.group_key),
    )

    def row(snap: KpiSnapshot, name: str) -> list[object]:
        buckets = [getattr(snap, col) for b, col in BUCKET_COLUMNS.items() if b != "unapplied"]
        return [name, snap.total, *buckets, snap.overdue_ratio, snap.dso, snap.expected_loss]

    rows = [row(s, s.group_key or _("(none)")) for s in groups]
    total = row(facts.company_snapshot, _("Total"))
    return Section(f"aging_{group_by}", title, tables=[Table(columns, rows, total)])


def segment_section(facts: Facts) -> Section:
    return _aging_by(facts, "segment", _("Aged balance by segment"), _("Segment"))


def sales_rep_section(facts: Facts) -> Section:
    return _aging_by(facts, "sales_rep", _("Aged balance by sales rep"), _("Sales rep"))


# --- top risks ---------------------------------------------------------------------------


def _last_scores(company: Company, day: date) -> dict[int, RiskScore]:
    latest: dict[int, RiskScore] = {}
    for score in RiskScore.objects.filter(company=company, day__lte=day).order_by("day"):
        latest[score.customer_id] = score
    return latest


def risk_section(facts: Facts) -> Section:
    aged = facts.aged()
    scores = _last_scores(facts.company, facts.month_end)
    customers = {c.id: c for c in Customer.objects.filter(company=facts.company, id__in=list(aged))}
    ranked = []
    for cid, buckets in aged.items():
        exposure = max(buckets.total, 0)
        score = scores.get(cid)
        if exposure <= 0 or cid not in customers:
            continue
        loss = int((exposure * score.pd).quantize(Decimal(1), ROUND_HALF_UP)) if score else None
        ranked.append((customers[cid], buckets, exposure, score, loss))
    ranked.sort(key=lambda r: (-(r[4] or 0), -r[2], r[0].code))
    rows: list[list[object]] = []
    for customer, buckets, exposure, score, loss in ranked[:TOP_RISKS]:
        limit = customer.credit_limit
        use = Decimal(exposure) / Decimal(limit) if limit and limit > 0 else None
        rows.append(
            [
                f"{customer.name} ({customer.code})",
                score.rating if score else "—",
                score.pd if score else None,
                exposure,
                buckets.overdue,
                loss,
                limit,
                use,
            ]
        )
    columns = [
        Column(_("Customer")),
        Column(_("Rating")),
        Column(_("Probability of default"), "ratio"),
        Column(_("Exposure"), "amount"),
        Column(_("Overdue"), "amount"),
        Column(_("Expected loss"), "amount"),
        Column(_("Credit limit"), "amount"),
        Column(_("Limit use"), "ratio"),
    ]
    over = sum(
        1
        for c, _b, exposure, _s, _l in ranked
        if c.credit_limit is not None and 0 < c.credit_limit < exposure
    )
    notes = [
        _("Customers owing more than their credit limit: %(count)d.") % {"count": over},
    ]
    if not scores:
        notes.append(_("No risk score yet: the customers are ranked by what they owe."))
    return Section("risks", _("Top risks"), notes=notes, tables=[Table(columns, rows)])


# --- disputes and litigation -------------------------------------------------------------


def _open_at(facts: Facts) -> dict[int, int]:
    """Each invoice's open amount at the month end (cents), by document id."""
    frame = open_invoices(facts.company.id, facts.month_end)
    return dict(zip(frame["id"].to_list(), frame["open"].to_list(), strict=True))


def dispute_section(facts: Facts) -> Section:
    day = facts.month_end
    disputes = list(
        Dispute.objects.filter(company=facts.company, opened_on__lte=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .select_related("customer", "item")
        .order_by("opened_on", "pk")
    )
    amounts = _open_at(facts)
    by_reason: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in disputes:
        by_reason[d.reason][0] += 1
        by_reason[d.reason][1] += amounts.get(d.item_id, 0)
    month_start = day.replace(day=1)
    opened = Dispute.objects.filter(
        company=facts.company, opened_on__gte=month_start, opened_on__lte=day
    ).count()
    closed = Dispute.objects.filter(
        company=facts.company, closed_on__gte=month_start, closed_on__lte=day
    ).count()
    summary = Table(
        [Column(_("Reason")), Column(_("Disputes"), "count"), Column(_("Amount"), "amount")],
        [[str(DISPUTE_REASONS.get(r, r)), n, cents] for r, (n, cents) in sorted(by_reason.items())],
        [_("Total"), len(disputes), sum(c for _n, c in by_reason.values())],
        title=_("Open at the month end, by reason"),
    )
    oldest = Table(
        [
            Column(_("Customer")),
            Column(_("Invoice")),
            Column(_("Reason")),
            Column(_("Opened on"), "date"),
            Column(_("Days open"), "count"),
            Column(_("Amount"), "amount"),
        ],
        [
            [
                f"{d.customer.name} ({d.customer.code})",
                d.item.number,
                str(DISPUTE_REASONS.get(d.reason, d.reason)),
                d.opened_on,
                (day - d.opened_on).days,
                amounts.get(d.item_id, 0),
            ]
            for d in disputes[:LISTED]
        ],
        title=_("The oldest open disputes"),
    )
    note = _("Disputes opened in the month: %(opened)d; closed: %(closed)d.") % {
        "opened": opened,
        "closed": closed,
    }
    return Section("disputes", _("Disputes"), notes=[note], tables=[summary, oldest])


def litigation_section(facts: Facts) -> Section:
    day = facts.month_end
    cases = list(
        LitigationCase.objects.filter(company=facts.company, opened_on__lte=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .select_related("customer")
        .prefetch_related("items")
        .order_by("opened_on", "pk")
    )
    amounts = _open_at(facts)
    rows: list[list[object]] = []
    for case in cases:
        at_stake = sum(amounts.get(item.pk, 0) for item in case.items.all())
        rows.append(
            [
                f"{case.customer.name} ({case.customer.code})",
                str(CASE_STAGES.get(case.stage, case.stage)),
                case.opened_on,
                at_stake,
                case.costs,
                case.recovered,
            ]
        )
    columns = [
        Column(_("Customer")),
        Column(_("Stage")),
        Column(_("Opened on"), "date"),
        Column(_("Amount at stake"), "amount"),
        Column(_("Costs"), "amount"),
        Column(_("Recovered"), "amount"),
    ]
    total = [
        _("Total"),
        "",
        None,
        sum(int(str(r[3])) for r in rows),
        sum(int(str(r[4])) for r in rows),
        sum(int(str(r[5])) for r in rows),
    ]
    closed = LitigationCase.objects.filter(
        company=facts.company, closed_on__gte=day.replace(day=1), closed_on__lte=day
    )
    notes = [
        _("Cases closed in the month: %(count)d.") % {"count": closed.count()},
        *(
            f"{c.customer.name} ({c.customer.code}) : {CASE_OUTCOMES.get(c.outcome, c.outcome)}"
            for c in closed.select_related("customer").order_by("closed_on", "pk")[:LISTED]
        ),
    ]
    title = _("Cases open at the month end")
    table = Table(columns, rows, total if rows else None, title=title)
    return Section("litigation", _("Litigation"), notes=notes, tables=[table])


# --- the cash-in forecast ----------------------------------------------------------------


def _periods_table(periods: list[dict[str, str]], title: str) -> Table:
    columns = [
        Column(pgettext("period", "From"), "date"),
        Column(pgettext("period", "To"), "date"),
        Column(_("Expected"), "amount"),
        Column(_("Low"), "amount"),
        Column(_("High"), "amount"),
    ]
    rows: list[list[object]] = [
        [
            date.fromisoformat(p["start"]),
            date.fromisoformat(p["end"]),
            to_cents(p["expected"]),
            to_cents(p["low"]),
            to_cents(p["high"]),
        ]
        for p in periods
    ]
    total = [_("Total"), None, *(sum(int(str(r[i])) for r in rows) for i in (2, 3, 4))]
    return Table(columns, rows, total if rows else None, title=title)


def _accuracy_table(facts: Facts) -> Table:
    weeks = accuracy(facts.company, facts.month_end)
    columns = [
        Column(_("Week from"), "date"),
        Column(_("Forecast of"), "date"),
        Column(_("Expected"), "amount"),
        Column(_("Collected"), "amount"),
        Column(_("Within the band"), "text"),
    ]
    rows: list[list[object]] = [
        [
            w.start,
            w.made_on,
            to_cents(w.expected),
            to_cents(w.actual),
            _("yes") if w.within_band else _("no"),
        ]
        for w in weeks
    ]
    return Table(columns, rows, title=_("The last weeks: forecast against what came in"))


def forecast_section(facts: Facts) -> Section:
    """The cash-in forecast kept at the month end (or in the week before it): its 13 weeks and
    6 months with their 80 % band, and how the past weeks' forecasts fared."""
    section = Section("forecast", _("Cash-in forecast"))
    run = latest_run(facts.company, facts.month_end)
    if run is None:
        section.notes.append(_("No cash-in forecast was kept in the week up to this month end."))
    else:
        summary = run.summary
        method = _("the model") if run.method == "model" else _("the customers' own habits")
        section.notes.append(
            _("Forecast of %(day)s, made with %(method)s; the band holds 80 %% of outcomes.")
            % {"day": run.day.strftime("%d/%m/%Y"), "method": method}
        )
        section.tables.append(_periods_table(summary.get("weeks", []), _("The next 13 weeks")))
        section.tables.append(_periods_table(summary.get("months", []), _("The next 6 months")))
    section.tables.append(_accuracy_table(facts))
    return section


# --- the report --------------------------------------------------------------------------

SectionBuilder = Callable[[Facts], Section | None]
SECTIONS: list[SectionBuilder] = [
    kpi_section,
    forecast_section,
    segment_section,
    sales_rep_section,
    risk_section,
    dispute_section,
    litigation_section,
]


@dataclass
class ManagementReport:
    company: Company
    month_end: date
    language: str
    title: str
    sections: list[Section]
    made_at: str


def management_report(company: Company, month_end: date, language: str = "fr") -> ManagementReport:
    """The report of ``month_end`` (the last day of a month), its words in ``language``."""
    language = language if language in ("fr", "en") else "fr"
    with translation.override(language):
        facts = gather_facts(company, month_end, language)
        sections = [s for s in (build(facts) for build in SECTIONS) if s is not None]
        title = _("Monthly credit report")
        made_at = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return ManagementReport(company, month_end, language, title, sections, made_at)


KPI_SECTIONS: list[SectionBuilder] = [kpi_section, segment_section, sales_rep_section]


def kpi_document(company: Company, day: date, language: str = "fr") -> ManagementReport:
    """The KPIs at any day, with the month ends' trend and by segment and sales rep."""
    language = language if language in ("fr", "en") else "fr"
    with translation.override(language):
        facts = gather_facts(company, day, language, any_day=True)
        sections = [s for s in (build(facts) for build in KPI_SECTIONS) if s is not None]
        title = _("KPIs")
        made_at = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return ManagementReport(company, day, language, title, sections, made_at)
