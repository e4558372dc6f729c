"""Collections in the store: interest rates, settings, promises to pay, disputes, do-not-dun.

Rates are percentages (``12.15`` = 12.15 %) kept as decimals with four places;
amounts are integer cents, as everywhere in the store.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models

from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document

RATE_FIELD = {"max_digits": 8, "decimal_places": 4}


class EcbRate(models.Model):
    """An ECB main refinancing rate decision added after the table shipped with the package."""

    effective_date = models.DateField(unique=True)
    rate = models.DecimalField(**RATE_FIELD)  # percent
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, default="cli")

    class Meta:
        ordering = ["effective_date"]


class CollectionSettings(models.Model):
    """A company's collection settings; a company without a row uses the defaults."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="collection_settings"
    )
    # the late-payment rate of the company's terms of sale; empty = ECB rate + 10 points
    contractual_rate = models.DecimalField(**RATE_FIELD, null=True, blank=True)
    # a promise pauses dunning on its items until its date plus these days
    promise_grace_days = models.PositiveSmallIntegerField(default=3)
    # the days a customer's portal link stays valid after it is issued
    portal_link_days = models.PositiveSmallIntegerField(default=60)


class CustomerProfile(models.Model):
    """What collections needs to know of a customer beyond its identity (one row, when set)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="collection_profile"
    )
    # a late-payment rate agreed with this customer; empty = the company's
    contractual_rate = models.DecimalField(**RATE_FIELD, null=True, blank=True)
    # the 40 EUR recovery indemnity is owed by businesses only
    is_business = models.BooleanField(default=True)
    # a key customer gets the gentler letters; the sales rep is asked before a formal notice
    key_customer = models.BooleanField(default=False)
    # the user who chases this customer (the worklist's owner of its tasks)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collected_customers",
    )
    # the address the mail server refused; the customer's email is invalid while it is this one
    refused_email = models.CharField(max_length=254, blank=True)

    class Meta:
        indexes = [models.Index(fields=["company", "customer"], name="profile_company_idx")]


class PaymentPlan(models.Model):
    """Instalments agreed over some items: each is a promise of the total due by its date, so
    the items are not dunned while the plan holds; a missed instalment breaks the plan."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        COMPLETED = "completed", "completed"
        BROKEN = "broken", "broken"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="plans")
    total = models.BigIntegerField()  # cents: the items' open amounts plus the interest
    interest = models.BigIntegerField(default=0)  # cents agreed on top
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    agreed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_on", "-id"]


class Promise(models.Model):
    """A customer's promise to pay an amount by a date; dunning of its items waits meanwhile."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        KEPT = "kept", "kept"
        BROKEN = "broken", "broken"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    items = models.ManyToManyField(Document, related_name="promises")
    amount = models.BigIntegerField()  # cents, > 0
    promised_date = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    made_on = models.DateField()  # the business day the promise was recorded
    resolved_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)
    # an instalment of a payment plan: ``amount`` is then the plan's total due by its date
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="instalments"
    )

    class Meta:
        ordering = ["-made_on", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "customer"], name="promise_status_idx")
        ]

    @property
    def pauses_until(self) -> date:
        """The last day dunning waits for this promise: its date plus the grace days."""
        return self.promised_date + timedelta(days=self.grace_days)


class Dispute(models.Model):
    """An item the customer contests: it is never dunned while the dispute is open."""

    class Reason(models.TextChoices):
        PRICE = "price", "price"
        QUANTITY = "quantity", "quantity"
        QUALITY = "quality", "quality"
        DELIVERY = "delivery", "delivery"
        DUPLICATE = "duplicate", "duplicate"
        OTHER = "other", "other"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"

    class Source(models.TextChoices):
        USER = "user", "user"
        IMPORT = "import", "invoices import"  # the invoices file's ``disputed`` column

    class Resolution(models.TextChoices):
        CREDIT_NOTE = "credit_note", "credit note"
        PARTIAL_CREDIT = "partial_credit", "partial credit"
        CORRECTED_INVOICE = "corrected_invoice", "corrected invoice"
        REJECTED = "rejected", "rejected"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="disputes")
    item = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="disputes")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.USER)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)  # "import": the file cleared the flag
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)
    # who settles it (a user: a collector, a credit manager, the sales rep) and by when
    owner = models.CharField(max_length=150, blank=True)
    deadline = models.DateField(null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status="open"),
                name="one_open_dispute_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["company", "status", "customer"], name="dispute_status_idx")
        ]


class DoNotDun(models.Model):
    """A customer left out of dunning, for a reason, until a date (or until lifted)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="do_not_dun")
    reason = models.CharField(max_length=500)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)  # empty: until lifted
    created_by = models.CharField(max_length=150, default="cli")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["company", "customer"], name="do_not_dun_idx")]


class Strategy(models.Model):
    """Ordered dunning steps of a company, chosen per customer: the first that matches wins."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="strategies")
    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(default=100)  # lower first
    segments = models.CharField(max_length=500, blank=True)  # comma separated; empty: any
    ratings = models.CharField(max_length=100, blank=True)  # comma separated; empty: any
    min_owed = models.BigIntegerField(default=0)  # cents
    is_default = models.BooleanField(default=False)  # used when none matches; one per company
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="strategy_name_unique"),
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(is_default=True), name="one_default_strategy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """A step: days from the due date, channel, minimum amount, approval, consequence, template."""

    class Consequence(models.TextChoices):
        NONE = "none", "none"
        CREDIT_HOLD = "credit_hold", "credit hold"
        ESCALATE_SALES = "escalate_sales", "escalate to the sales rep"
        ESCALATE_MANAGEMENT = "escalate_management", "escalate to management"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(max_length=40)  # stable: what was sent is remembered by it
    name = models.CharField(max_length=200)
    days = models.IntegerField()  # from the due date; negative = before it
    channel = models.CharField(max_length=40)  # email, letter, call, sms, task; joined by "+"
    min_amount = models.BigIntegerField(default=0)  # cents
    needs_approval = models.BooleanField(default=False)
    consequence = models.CharField(
        max_length=20, choices=Consequence.choices, default=Consequence.NONE
    )
    is_formal_notice = models.BooleanField(default=False)
    template = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["strategy", "days"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "days"], name="one_step_per_day"),
            models.UniqueConstraint(fields=["strategy", "key"], name="step_key_unique"),
        ]


class StepSent(models.Model):
    """A step sent about an item (each item of the message): never sent again for that item."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False)
    item = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="steps_sent")
    step_key = models.CharField(max_length=40)
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "step_key"], name="step_sent_once_per_item")
        ]
        indexes = [models.Index(fields=["company", "customer"], name="step_sent_customer_idx")]


class Template(models.Model):
    """A company's own wording of a step's message (the package's default is used otherwise).

    ``body`` and ``subject`` are Jinja templates run in a sandbox; ``gentle`` is the variant
    for key customers.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="templates")
    key = models.SlugField(max_length=100)  # the step's template name
    language = models.CharField(max_length=5)
    gentle = models.BooleanField(default=False)
    subject = models.CharField(max_length=300)
    body = models.TextField(max_length=20000)
    updated_by = models.CharField(max_length=150, default="cli")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "key", "language", "gentle"], name="template_unique"
            )
        ]


class Message(models.Model):
    """A reminder decided by a daily run: rendered once, stored as sent, sent at most once.

    One row per (customer, step, day, channel); ``items`` is the snapshot of the items it
    is about (id, number, due date, open cents), amounts are cents.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "email"
        LETTER = "letter", "letter"
        SMS = "sms", "sms"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "approval", "awaiting approval"
        PENDING = "pending", "to send"
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        RETRY = "retry", "to try again"
        FAILED = "failed", "failed"
        REFUSED = "refused", "address refused"
        NO_ADDRESS = "no_address", "no address"
        REJECTED = "rejected", "not approved"
        UNCERTAIN = "uncertain", "sending interrupted"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="messages")
    day = models.DateField()  # the business day of the run that decided it
    step_key = models.CharField(max_length=40)
    step_name = models.CharField(max_length=200)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=5, default="fr")
    items = models.JSONField(default=list)
    amount = models.BigIntegerField(default=0)  # cents: open amount of the items
    interest = models.BigIntegerField(default=0)  # cents at the day
    indemnity = models.BigIntegerField(default=0)  # cents
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    pdf = models.BinaryField(null=True, blank=True)  # the letter, or the attached statement
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    message_id = models.CharField(max_length=200, blank=True)  # the email's Message-ID
    sent_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "customer", "step_key", "day", "channel"],
                name="message_once_per_day",
            )
        ]
        indexes = [
            models.Index(fields=["company", "status", "day"], name="message_status_idx"),
            models.Index(fields=["company", "customer", "day"], name="message_customer_idx"),
        ]


class Task(models.Model):
    """Something a person must do: a call, an approval, a new address, a broken promise..."""

    class Kind(models.TextChoices):
        CALL = "call", "call"
        APPROVAL = "approval", "approval"
        BAD_ADDRESS = "bad_address", "address refused"
        NO_ADDRESS = "no_address", "no address"
        SEND_FAILED = "send_failed", "sending failed"
        BROKEN_PROMISE = "broken_promise", "broken promise"
        ESCALATE_SALES = "escalate_sales", "ask the sales rep"
        ESCALATE_MANAGEMENT = "escalate_management", "escalation to management"
        CREDIT_HOLD = "credit_hold", "credit hold"
        FOLLOW_UP = "follow_up", "follow-up"
        CHECK_DELIVERY = "check_delivery", "check delivery"
        FILE_CLAIM = "file_claim", "file the claim"
        PORTAL_PROMISE = "portal_promise", "promise through the portal"
        PORTAL_DISPUTE = "portal_dispute", "dispute through the portal"
        PLAN_REQUEST = "plan_request", "payment plan asked through the portal"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DONE = "done", "done"
        CANCELLED = "cancelled", "cancelled"

    class Outcome(models.TextChoices):
        REACHED = "reached", "reached"
        PROMISE = "promise", "promise"
        DISPUTE = "dispute", "dispute"
        WRONG_CONTACT = "wrong_contact", "wrong contact"
        NO_ANSWER = "no_answer", "no answer"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        DONE = "done", "done"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # what makes it unique for its customer: the kind with the step, the message or the promise
    key = models.CharField(max_length=120)
    day = models.DateField()  # the business day it was opened
    step_key = models.CharField(max_length=40, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    promise = models.ForeignKey(
        Promise, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    # the dispute a customer opened through the portal (its file is downloaded from the task)
    dispute = models.ForeignKey(
        "Dispute", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    # what a request through the portal asked, e.g. {"instalments": 3}
    detail = models.JSONField(default=dict, blank=True)
    amount = models.BigIntegerField(default=0)  # cents at stake
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection_tasks",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    done_on = models.DateField(null=True, blank=True)
    done_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "customer", "key"], name="task_once")
        ]
        indexes = [
            models.Index(fields=["company", "status", "day"], name="task_status_idx"),
            models.Index(fields=["company", "customer"], name="task_customer_idx"),
        ]


class DecisionRule(models.Model):
    """Who decides an escalation in a company (the decision matrix), one row per action; an
    action without a row follows the default matrix."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    action = models.CharField(max_length=20)
    collector_up_to = models.BigIntegerField(default=0)  # cents a collector decides alone
    manager_up_to = models.BigIntegerField(null=True, blank=True)  # cents; above: management
    consult_sales = models.BooleanField(default=True)  # for a key customer, or rated A or B

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "action"], name="decision_rule_once")
        ]


class Decision(models.Model):
    """An escalation decided for a customer: who, when, why, and whether sales was consulted."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=20)
    amount = models.BigIntegerField()  # cents at stake
    approved = models.BooleanField()
    reason = models.CharField(max_length=1000)
    sales_consulted = models.BooleanField(default=False)
    decided_by = models.CharField(max_length=150)
    role = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class LitigationCase(models.Model):
    """A debt taken beyond reminders: its stages, costs, recoveries and outcome."""

    class Stage(models.TextChoices):
        AMICABLE = "amicable", "amicable"
        FORMAL_NOTICE = "formal_notice", "formal notice"
        ORDER_FOR_PAYMENT = "order_for_payment", "order for payment"
        SUMMARY_PROCEEDINGS = "summary_proceedings", "summary proceedings"
        COLLECTION_AGENCY = "collection_agency", "collection agency"
        LAWYER = "lawyer", "lawyer"
        INSOLVENCY_CLAIM = "insolvency_claim", "insolvency claim"

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", "recovered"
        SETTLED = "settled", "settled"
        WRITTEN_OFF = "written_off", "written off"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cases")
    items = models.ManyToManyField(Document, related_name="cases")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.AMICABLE)
    opened_on = models.DateField()
    deadline = models.DateField(null=True, blank=True)  # an insolvency claim's, say
    costs = models.BigIntegerField(default=0)  # cents spent (fees, agency, lawyer)
    recovered = models.BigIntegerField(default=0)  # cents recovered through the case
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    history = models.JSONField(default=list)  # [{"day", "stage", "by", "note"}]
    created_by = models.CharField(max_length=150, default="cli")

    class Meta:
        ordering = ["-opened_on", "-id"]


class PortalLink(models.Model):
    """A customer's personal link to the portal: signed, expiring, revocable.

    The link carries ``nonce`` signed with the site's secret key (``collections.portal``):
    the row alone does not make a link, nor does the key alone.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_links")
    nonce = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    created_by = models.CharField(max_length=150, default="run")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["company", "customer"], name="portal_link_customer_idx")]


class DisputeFile(models.Model):
    """A document a customer joined to a dispute through the portal (a PDF or an image).

    Kept in the store, never on a served path; downloaded by the company's users only."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=200)  # cleaned: letters, digits, dot, dash
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    uploaded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
