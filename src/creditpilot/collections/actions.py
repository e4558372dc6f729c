"""The day's dunning actions carried out: messages rendered and stored, letters, tasks, once.

``do_carry_out`` decides the day's actions (``dunning_plan``), renders each
message in the customer's language (the gentle wording for a key customer),
and stores in one transaction the messages, the tasks and the steps sent.
Nothing is sent here: emails wait as ``pending`` (or for their approval) for
``sending.do_send_pending``; letters are rendered to PDF and go into the day's
print file. Run again for the same day, it finds the steps already sent and
decides nothing twice; cut off before its commit, it leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from django.db import transaction
from django.utils import timezone

from creditpilot.audit.services import Actor, record
from creditpilot.collections.dunning import dunning_plan
from creditpilot.collections.facts import MessageFacts, actions_facts
from creditpilot.collections.letters import letter_html, render_pdf, sha256
from creditpilot.collections.models import CustomerProfile, Message, Task
from creditpilot.collections.models import Template as CompanyTemplate
from creditpilot.collections.portal import issue_links, link_url
from creditpilot.collections.services import do_record_actions
from creditpilot.collections.templates import (
    LANGUAGES,
    Rendered,
    context,
    default_template,
    render,
)
from creditpilot.companies.models import Company
from creditpilot.core.dunning import Action
from creditpilot.customers.models import Customer

RUN_ACTOR = Actor(username="run")
CONSEQUENCE_TASKS = {
    "credit_hold": Task.Kind.CREDIT_HOLD,
    "escalate_sales": Task.Kind.ESCALATE_SALES,
    "escalate_management": Task.Kind.ESCALATE_MANAGEMENT,
}
SMS_TEXT = {
    "fr": "{company} : {total} restent dus sur vos factures {numbers}. Merci de nous régler "
    "au plus vite. {phone}",
    "en": "{company}: {total} remains due on your invoices {numbers}. Please pay at your "
    "earliest convenience. {phone}",
}


@dataclass
class CarriedOut:
    """What a day's dunning did, counted."""

    actions: int = 0
    emails: int = 0
    letters: int = 0
    sms: int = 0
    tasks: int = 0
    awaiting_approval: int = 0
    no_address: int = 0
    customers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"dunning: {self.actions} customers, {self.emails} emails, {self.letters} letters, "
            f"{self.sms} SMS, {self.tasks} tasks, {self.awaiting_approval} awaiting approval, "
            f"{self.no_address} without address"
        )


class Wording:
    """The company's templates, read once for the whole run; the package's where it has none."""

    def __init__(self, company: Company) -> None:
        self.own = {
            (t.key, t.language, t.gentle): (t.subject, t.body)
            for t in CompanyTemplate.objects.filter(company=company)
        }

    def of(self, key: str, language: str, gentle: bool) -> tuple[str, str]:
        if (key, language, gentle) in self.own:
            return self.own[key, language, gentle]
        if gentle and default_template(key, language, True) != default_template(
            key, language, False
        ):
            return default_template(key, language, True)
        if (key, language, False) in self.own:
            return self.own[key, language, False]
        return default_template(key, language, False)


@dataclass
class Customers:
    """The customers of the day's actions, with their collection profiles."""

    by_code: dict[str, Customer]
    profiles: dict[int, CustomerProfile]

    @classmethod
    def of(cls, company: Company, actions: list[Action]) -> Customers:
        by_code = {
            c.code: c
            for c in Customer.objects.filter(
                company=company, code__in=[a.customer for a in actions]
            )
        }
        ids = [c.pk for c in by_code.values()]
        profiles = {
            p.customer_id: p
            for p in CustomerProfile.objects.filter(company=company, customer_id__in=ids)
        }
        return cls(by_code, profiles)


def do_carry_out(company: Company, as_of: date) -> CarriedOut:
    """Decide the day's actions and store their messages, letters and tasks (nothing sent)."""
    plan = dunning_plan(company, as_of)
    done = CarriedOut()
    if not plan.actions:
        return done
    facts = actions_facts(company, plan.actions, as_of)
    customers = Customers.of(company, plan.actions)
    facts = _with_portal_links(company, plan.actions, customers, facts)
    wording = Wording(company)
    existing = set(
        Message.objects.filter(company=company, day=as_of).values_list(
            "customer_id", "step_key", "channel"
        )
    )
    outputs = []
    for action in plan.actions:
        customer = customers.by_code[action.customer]
        profile = customers.profiles.get(customer.pk)
        made = _action_output(
            company, action, customer, profile, facts[action.customer], wording, as_of
        )
        made.messages = [
            m for m in made.messages if (customer.pk, m.step_key, m.channel) not in existing
        ]
        outputs.append(made)
    with transaction.atomic():
        _store(company, outputs, done)
        do_record_actions(company, plan.actions, as_of)
        done.actions = len(plan.actions)
        done.customers = [a.customer for a in plan.actions]
        record(
            "dunning_run",
            company_id=company.pk,
            actor=RUN_ACTOR,
            object_type="company",
            object_ref=company.code,
            after={"day": as_of.isoformat(), "summary": done.summary()},
        )
    return done


def _with_portal_links(
    company: Company, actions: list[Action], customers: Customers, facts: dict[str, MessageFacts]
) -> dict[str, MessageFacts]:
    """Each email or letter carries the customer's portal link (its live one, or a new one)."""
    writing = [
        customers.by_code[a.customer] for a in actions if {"email", "letter"} & set(a.step.channels)
    ]
    links = issue_links(company, writing, timezone.now(), RUN_ACTOR)
    for customer in writing:
        url = link_url(links[customer.pk])
        before = facts[customer.code]
        facts[customer.code] = replace(before, extra={**before.extra, "portal_url": url})
    return facts


@dataclass
class ActionOutput:
    """The rows one action makes: its messages, and its tasks (linked to its first message)."""

    messages: list[Message]
    tasks: list[Task]


def _store(company: Company, outputs: list[ActionOutput], done: CarriedOut) -> None:
    messages = [m for o in outputs for m in o.messages]
    Message.objects.bulk_create(messages, batch_size=500)
    for output in outputs:
        for task in output.tasks:
            task.message = output.messages[0] if output.messages else None
    tasks = [t for o in outputs for t in o.tasks]
    Task.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    for message in messages:
        if message.channel == Message.Channel.EMAIL:
            done.emails += 1
        elif message.channel == Message.Channel.LETTER:
            done.letters += 1
        else:
            done.sms += 1
        done.awaiting_approval += message.status == Message.Status.AWAITING_APPROVAL
        done.no_address += message.status == Message.Status.NO_ADDRESS
    done.tasks += len(tasks)


def _action_output(
    company: Company,
    action: Action,
    customer: Customer,
    profile: CustomerProfile | None,
    facts: MessageFacts,
    wording: Wording,
    as_of: date,
) -> ActionOutput:
    language = customer.language if customer.language in LANGUAGES else "fr"
    gentle = bool(profile and profile.key_customer)
    step = action.step
    template = step.template or step.key
    output = ActionOutput([], [])
    rendered: Rendered | None = None
    for channel in step.channels:
        if channel in ("email", "letter") and rendered is None:
            subject, body = wording.of(template, language, gentle)
            rendered = render(subject, body, context(facts, language))
        if channel == "email":
            output.messages.append(
                _email(company, action, customer, profile, rendered, language, as_of)
            )
        elif channel == "letter":
            output.messages.append(
                _letter(company, action, customer, facts, rendered, language, as_of)
            )
        elif channel == "sms":
            output.messages.append(_sms(company, action, customer, facts, language, as_of))
    for message in output.messages:
        message.interest, message.indemnity = facts.interest, facts.indemnity
    output.tasks = list(_tasks(company, action, customer, profile, output.messages, as_of))
    return output


def _message(
    company: Company, action: Action, customer: Customer, channel: str, language: str, day: date
) -> Message:
    return Message(
        company=company,
        customer=customer,
        day=day,
        step_key=action.step.key,
        step_name=action.step.name,
        channel=channel,
        language=language,
        items=[
            {
                "id": int(i.id),
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "open": i.open,
            }
            for i in action.items
        ],
        amount=action.amount,
        status=(
            Message.Status.AWAITING_APPROVAL if action.needs_approval else Message.Status.PENDING
        ),
    )


def _email(
    company: Company,
    action: Action,
    customer: Customer,
    profile: CustomerProfile | None,
    rendered: Rendered | None,
    language: str,
    day: date,
) -> Message:
    assert rendered is not None
    message = _message(company, action, customer, Message.Channel.EMAIL, language, day)
    message.subject, message.body = rendered.subject, rendered.body
    message.recipient = customer.email.strip()
    refused = bool(profile and profile.refused_email and profile.refused_email == message.recipient)
    if not message.recipient or refused:
        message.status = Message.Status.NO_ADDRESS
    return message


def _letter(
    company: Company,
    action: Action,
    customer: Customer,
    facts: MessageFacts,
    rendered: Rendered | None,
    language: str,
    day: date,
) -> Message:
    assert rendered is not None
    message = _message(company, action, customer, Message.Channel.LETTER, language, day)
    message.subject, message.body = rendered.subject, rendered.body
    message.recipient = " / ".join(
        line.strip() for line in [customer.name, *customer.address.splitlines()] if line.strip()
    )[:254]
    pdf = render_pdf(letter_html(facts, rendered, language, action.step.is_formal_notice))
    message.pdf, message.pdf_sha256 = pdf, sha256(pdf)
    if not customer.address.strip():
        message.status = Message.Status.NO_ADDRESS
    elif message.status == Message.Status.PENDING:
        # a letter is sent by being printed: it goes into the day's print file now
        message.status, message.sent_at = Message.Status.SENT, timezone.now()
    return message


def _sms(
    company: Company,
    action: Action,
    customer: Customer,
    facts: MessageFacts,
    language: str,
    day: date,
) -> Message:
    message = _message(company, action, customer, Message.Channel.SMS, language, day)
    variables = context(facts, language)
    message.body = SMS_TEXT.get(language, SMS_TEXT["fr"]).format(
        company=company.name,
        total=variables["total"],
        numbers=", ".join(action.numbers),
        phone=company.phone,
    )
    message.recipient = customer.phone.strip()
    if not message.recipient:
        message.status = Message.Status.NO_ADDRESS
    return message


def _tasks(
    company: Company,
    action: Action,
    customer: Customer,
    profile: CustomerProfile | None,
    messages: list[Message],
    day: date,
) -> Iterator[Task]:
    step = action.step
    collector = profile.collector if profile else None

    def task(kind: str, key: str, assigned: bool = True) -> Task:
        return Task(
            company=company,
            customer=customer,
            kind=kind,
            key=f"{key}:{step.key}:{day.isoformat()}",
            day=day,
            step_key=step.key,
            amount=action.amount,
            assigned_to=collector if assigned else None,
        )

    if "call" in step.channels:
        yield task(Task.Kind.CALL, "call")
    if action.needs_approval:
        yield task(Task.Kind.APPROVAL, "approval")
    if step.is_formal_notice and profile is not None and profile.key_customer:
        yield task(Task.Kind.ESCALATE_SALES, "ask_sales_rep")
    if step.consequence in CONSEQUENCE_TASKS:
        kind = CONSEQUENCE_TASKS[step.consequence]
        yield task(kind, step.consequence, assigned=kind != Task.Kind.ESCALATE_MANAGEMENT)
    elif "task" in step.channels:
        yield task(Task.Kind.FOLLOW_UP, "follow_up")
    for message in messages:
        if message.status != Message.Status.NO_ADDRESS:
            continue
        if message.recipient and profile is not None and profile.refused_email == message.recipient:
            # one task per refused address, whatever the number of messages it stops
            refused = task(Task.Kind.BAD_ADDRESS, "")
            refused.key = f"bad_address:{message.recipient}"[:120]
            yield refused
        else:
            yield task(Task.Kind.NO_ADDRESS, f"no_address_{message.channel}")
