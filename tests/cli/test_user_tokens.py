"""``creditpilot user token``: create (with an optional expiry), list, revoke; as a user runs it."""

from __future__ import annotations

import os

import pytest

from tests.cli.test_contract import cp


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_tokens_are_made_listed_and_revoked_from_the_command_line(env):
    cp(env, "init")
    cp(env, "user", "add", "ann", "--password", "a-long-password-here")
    cp(env, "user", "add", "ben", "--password", "a-long-password-here")
    key = cp(env, "user", "token", "ann").stdout.strip()
    assert key.startswith("cp_")
    cp(env, "user", "token", "ann", "--name", "ci", "--expires", "30")
    cp(env, "user", "token", "ben", "--name", "nightly", "--expires", "2999-12-31")

    for value, reason in (
        ("2020-01-01", "the expiry must be in the future: 2020-01-01"),
        ("soon", "an expiry is a date YYYY-MM-DD or a number of days, not 'soon'"),
    ):
        refused = cp(env, "user", "token", "ann", "--expires", value, ok=(1,))
        assert refused.stderr.strip() == f"error: {reason}"
    cp(env, "user", "token", ok=(2,))  # no user named

    listing = cp(env, "user", "token", "--list").stdout
    assert key not in listing  # keys are never shown again
    listed = [line.split("\t") for line in listing.splitlines()]
    assert [(row[1], row[2], row[-1]) for row in listed] == [
        ("ann", "ci", "active"),
        ("ann", "api", "active"),
        ("ben", "nightly", "active"),
    ]
    assert listed[2][6] == "expires 3000-01-01 00:00"  # usable through the last day given
    first = next(row[0] for row in listed if row[2] == "api")

    revoked = cp(env, "user", "token", "ann", "--revoke", first)
    assert "revoked" in revoked.stdout
    again = cp(env, "user", "token", "ann", "--revoke", first, ok=(1,))
    assert again.stderr.strip() == f"error: the API token {first} was revoked already"
    cp(env, "user", "token", "ben", "--revoke", first, ok=(2,))  # not ben's token
    ann = cp(env, "user", "token", "ann", "--list").stdout
    assert [line.split("\t")[-1] for line in ann.splitlines()] == ["active", "revoked"]
