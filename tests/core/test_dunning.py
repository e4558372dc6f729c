"""Which customer gets which step today: personas over the default strategy (issue 13)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditpilot.core.dunning import (
    CustomerCase,
    DueItem,
    Step,
    Strategy,
    StrategyError,
    choose_strategy,
    default_strategy,
    due_actions,
)

DEFAULT = default_strategy()
TODAY = date(2026, 6, 30)


def due(days_late: int) -> date:
    return TODAY - timedelta(days=days_late)


def keys(actions):
    return [(a.customer, a.step.key, a.numbers, a.amount, a.needs_approval) for a in actions]


@pytest.mark.parametrize(
    ("days_late", "step", "channel", "approval"),
    [
        (-5, "courtesy", "email", False),
        (0, "courtesy", "email", False),
        (1, "reminder_1", "email", False),
        (15, "reminder_2", "email", False),
        (30, "reminder_3", "email+call", False),
        (45, "formal_notice", "letter+email", True),
        (60, "escalation", "task", False),
        (200, "escalation", "task", False),
    ],
)
def test_the_default_strategy_steps(days_late, step, channel, approval):
    (action,) = due_actions(
        [CustomerCase("GLOBEX", (DueItem(1, "F1", due(days_late), 500_00),), DEFAULT)], TODAY
    )
    assert (action.step.key, action.step.channel, action.needs_approval) == (
        step,
        channel,
        approval,
    )


def test_nothing_before_the_courtesy_day_nor_for_courtesy_under_100_eur():
    early = CustomerCase("ACME", (DueItem(1, "F1", due(-6), 500_00),), DEFAULT)
    small = CustomerCase("ACME", (DueItem(1, "F1", due(-3), 99_99),), DEFAULT)
    assert due_actions([early, small], TODAY) == []
    # a small amount is still reminded once overdue
    overdue = CustomerCase("ACME", (DueItem(1, "F1", due(1), 99_99),), DEFAULT)
    assert keys(due_actions([overdue], TODAY)) == [("ACME", "reminder_1", ["F1"], 99_99, False)]


def test_one_message_per_customer_at_the_step_of_its_oldest_unpaid_item():
    items = (
        DueItem(1, "F1", due(3), 100_00),
        DueItem(2, "F2", due(20), 200_00),
        DueItem(3, "F3", due(-2), 400_00),  # not yet due: not in a reminder
        DueItem(4, "F4", due(50), 0),  # settled
    )
    (action,) = due_actions([CustomerCase("GLOBEX", items, DEFAULT)], TODAY)
    assert (action.step.key, action.numbers, action.amount) == ("reminder_2", ["F2", "F1"], 300_00)


def test_disputed_and_promised_items_and_do_not_dun_customers_are_left_out():
    initech = CustomerCase(
        "INITECH",
        (DueItem(1, "I1", due(50), 900_00, disputed=True), DueItem(2, "I2", due(10), 100_00)),
        DEFAULT,
    )
    assert keys(due_actions([initech], TODAY)) == [("INITECH", "reminder_1", ["I2"], 100_00, False)]
    promised = CustomerCase(
        "HOOLI", (DueItem(1, "H1", due(20), 300_00, promised_until=TODAY),), DEFAULT
    )
    assert due_actions([promised], TODAY) == []
    # the day after the promise's date plus grace, dunning resumes
    assert keys(due_actions([promised], TODAY + timedelta(days=1))) == [
        ("HOOLI", "reminder_2", ["H1"], 300_00, False)
    ]
    resting = CustomerCase(
        "UMBRELLA", (DueItem(1, "U1", due(40), 300_00),), DEFAULT, do_not_dun=True
    )
    assert due_actions([resting], TODAY) == []


def test_a_step_is_never_sent_twice_nor_goes_back_and_a_first_run_sends_only_the_current_step():
    case = CustomerCase("GLOBEX", (DueItem(1, "F1", due(31), 100_00),), DEFAULT)
    # first run: reminder 3 only, not reminders 1 and 2 it missed
    assert [a.step.key for a in due_actions([case], TODAY)] == ["reminder_3"]
    after = case.with_sent({(1, "reminder_3")})
    assert due_actions([after], TODAY) == []
    assert due_actions([after], TODAY + timedelta(days=13)) == []
    assert [a.step.key for a in due_actions([after], TODAY + timedelta(days=14))] == [
        "formal_notice"
    ]
    # a strategy edited to move reminder 3 later does not bring reminder 2 back
    moved = Strategy(
        "edited",
        tuple(
            s if s.key != "reminder_3" else Step("reminder_3", "R3", 35, "email")
            for s in DEFAULT.steps
        ),
    )
    edited = CustomerCase("GLOBEX", case.items, moved, sent=frozenset({(1, "reminder_3")}))
    assert due_actions([edited], TODAY) == []


def test_the_oldest_item_paid_the_next_one_leads():
    sent = frozenset({(1, "reminder_2"), (2, "reminder_2")})
    case = CustomerCase(
        "GLOBEX", (DueItem(1, "F1", due(40), 0), DueItem(2, "F2", due(20), 50_00)), DEFAULT, sent
    )
    assert due_actions([case], TODAY) == []  # F2 had reminder 2 in F1's message


def test_a_key_customer_is_asked_about_before_a_formal_notice():
    gentle = Strategy(
        "soft",
        tuple(
            s
            if s.key != "formal_notice"
            else Step("formal_notice", "FN", 45, "letter", is_formal_notice=True)
            for s in DEFAULT.steps
        ),
    )
    case = CustomerCase("ACME", (DueItem(1, "F1", due(45), 100_00),), gentle, key_customer=True)
    assert due_actions([case], TODAY)[0].needs_approval
    assert not due_actions([CustomerCase("ACME", case.items, gentle)], TODAY)[0].needs_approval


def test_the_first_matching_strategy_wins_else_the_default():
    big = Strategy("big accounts", DEFAULT.steps, segments=frozenset({"ETI"}), min_owed=10_000_00)
    risky = Strategy("risky", DEFAULT.steps, ratings=frozenset({"D", "E"}))
    chosen = [
        choose_strategy([big, risky], DEFAULT, segment, rating, owed).name
        for segment, rating, owed in [
            ("ETI", "E", 20_000_00),
            ("ETI", "E", 5_000_00),
            ("PME", "A", 1),
        ]
    ]
    assert chosen == ["big accounts", "risky", "Standard"]


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ((Step("a", "A", 1, "email"), Step("b", "B", 1, "letter")), "same_day_steps"),
        ((Step("a", "A", 1, "email"), Step("a", "B", 2, "letter")), "same_step_key"),
        ((Step("a", "A", 1, "fax"),), "bad_channel"),
        ((Step("a", "A", 1, "email", consequence="jail"),), "bad_consequence"),
    ],
)
def test_a_bad_strategy_is_refused(steps, code):
    with pytest.raises(StrategyError) as err:
        Strategy("bad", steps)
    assert err.value.code == code


def test_a_broken_promise_resumes_dunning_at_the_step_after_the_last_one_sent():
    sent = frozenset({(1, "reminder_3")})
    item = DueItem(1, "F1", due(38), 100_00, resumes=True)
    (action,) = due_actions([CustomerCase("INITECH", (item,), DEFAULT, sent)], TODAY)
    assert action.step.key == "formal_notice"  # not waiting for day 45
    # the days past due may already call for a later step: that one
    late = DueItem(1, "F1", due(70), 100_00, resumes=True)
    (action,) = due_actions([CustomerCase("INITECH", (late,), DEFAULT, sent)], TODAY)
    assert action.step.key == "escalation"
    # never dunned before: the current step
    fresh = DueItem(1, "F1", due(20), 100_00, resumes=True)
    (action,) = due_actions([CustomerCase("INITECH", (fresh,), DEFAULT)], TODAY)
    assert action.step.key == "reminder_2"
