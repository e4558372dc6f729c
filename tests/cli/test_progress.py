"""Progress bars on a terminal only (issue 12 point 6): drawn when a person watches,
never into a pipe, so that scripts and JSON output stay clean."""

from __future__ import annotations

import os
import pty
import subprocess

from tests.cli.test_contract import CLI, cp, env  # noqa: F401  (the fixture)
from tests.fecbuilder import hand_ledger


def run_on_terminal(env, *args):  # noqa: F811
    """Run the command with stdout and stderr on a pseudo-terminal; all it drew."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, *map(str, args)],
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_an_import_draws_its_progress_on_a_terminal_only(env, tmp_path):  # noqa: F811
    cp(env, "init")
    fec = hand_ledger().write(tmp_path / "FEC.txt")
    drawn = run_on_terminal(env, "import", "fec", fec)
    assert "Import FEC.txt" in drawn  # the bar's title, with its stages
    assert "imported" in drawn
    piped = cp(env, "import", "fec", hand_ledger().write(tmp_path / "FEC2.txt"))
    assert "Import FEC2.txt" not in piped.stderr + piped.stdout
    assert "\x1b[" not in piped.stderr + piped.stdout
