"""A started Python (core.worker.WarmRunner): a check that comes during its imports is
answered between two of them; it answers as soon as its command is done, before its
interpreter's teardown; the run still waits for that teardown at its end, and stops one
that does not end. Real processes, real files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from release_tasks.core import processes
from release_tasks.core.worker import PlainRunner, WarmRunner

from .servers import ended

PYTHON = Path(sys.executable)
# A command whose teardown is slow and leaves a trace: an atexit handler that sleeps, then
# writes a file. Its output has no newline at the end, and it exits with 3.
SLOW_EXIT = """
import atexit, sys, time
def last():
    time.sleep(float(sys.argv[1]))
    open(sys.argv[2], "w").write("torn down")
atexit.register(last)
print("out", end="")
print("err", file=sys.stderr)
sys.exit(3)
"""


@pytest.mark.parametrize("kind", ["plain", "warm"])
def test_the_answer_is_the_same_from_both_runners(tmp_path, kind):
    runner = PlainRunner(PYTHON) if kind == "plain" else WarmRunner(PYTHON, [], tmp_path)
    trace = tmp_path / "trace"

    done = runner.run([str(PYTHON), "-c", SLOW_EXIT, "0", str(trace)], tmp_path)

    assert (done.returncode, done.stdout, done.stderr) == (3, "out", "err\n")
    if kind == "plain":
        assert trace.read_text() == "torn down"


def test_the_warm_answer_does_not_wait_for_the_teardown_which_still_runs(tmp_path):
    runner = WarmRunner(PYTHON, [], tmp_path)
    pid = runner.proc.pid
    trace = tmp_path / "trace"

    done = runner.run([str(PYTHON), "-c", SLOW_EXIT, "3", str(trace)], tmp_path)

    assert (done.returncode, done.stdout) == (3, "out")
    assert not trace.exists()  # answered while its atexit handler still sleeps
    assert ended(pid)
    assert trace.read_text() == "torn down"  # the teardown ran in full


def test_a_command_that_ends_without_a_word_gives_its_exit_status(tmp_path):
    runner = WarmRunner(PYTHON, [], tmp_path)

    done = runner.run([str(PYTHON), "-c", "import os; print('half', flush=True); os._exit(4)"],
                      tmp_path)

    assert (done.returncode, done.stdout) == (4, "half\n")


def test_the_run_waits_at_its_end_for_a_teardown_under_way(tmp_path):
    trace = tmp_path / "trace"
    with processes.tracking():
        runner = WarmRunner(PYTHON, [], tmp_path)
        done = runner.run([str(PYTHON), "-c", SLOW_EXIT, "1", str(trace)], tmp_path)
        assert done.returncode == 3 and not trace.exists()
    # The block's end waited for it: nothing of the run is left running.
    assert trace.read_text() == "torn down"


def test_a_teardown_that_does_not_end_is_stopped_when_the_run_ends(tmp_path):
    trace = tmp_path / "trace"
    with processes.tracking() as register:
        runner = WarmRunner(PYTHON, [], tmp_path)
        proc = runner.proc
        done = runner.run([str(PYTHON), "-c", SLOW_EXIT, "600", str(trace)], tmp_path)
        assert done.returncode == 3
        register.settle(timeout=0.5)  # what the end of the block does, with less patience
        assert ended(proc.pid, timeout=10)
    assert proc.returncode is not None and proc.returncode < 0  # stopped by a signal
    assert not trace.exists()  # not waited for the ten minutes


def test_a_thread_the_command_left_running_still_finishes_its_work(tmp_path):
    """The process ends only once the command's threads are done, as Python would end."""
    runner = WarmRunner(PYTHON, [], tmp_path)
    pid = runner.proc.pid
    trace = tmp_path / "trace"
    code = ("import sys, threading, time\n"
            "def later():\n    time.sleep(1)\n    open(sys.argv[1], 'w').write('finished')\n"
            "threading.Thread(target=later).start()\n")

    done = runner.run([str(PYTHON), "-c", code, str(trace)], tmp_path)

    assert done.returncode == 0
    assert ended(pid)
    assert trace.read_text() == "finished"


# Imported first: it returns once something waits on stdin, so that what was sent right
# after the start is there when the imports go on.
FIRST = """
import select, sys
select.select([sys.stdin], [], [], 60)
"""
# Imported next: slow, and it says when it is done.
SLOW = """
import time
time.sleep(2)
open("slow.done", "w").close()
"""
CHECK = "import sys; print('slow' in sys.modules, 'first' in sys.modules)"


def _preloads(folder: Path) -> list[str]:
    (folder / "first.py").write_text(FIRST)
    (folder / "slow.py").write_text(SLOW)
    return ["first", "slow"]


def test_a_check_sent_during_the_imports_is_answered_before_the_rest_of_them(tmp_path):
    runner = WarmRunner(PYTHON, _preloads(tmp_path), tmp_path)

    answer = runner.check(CHECK, [], tmp_path)()

    assert answer is not None and answer.stdout == "False True\n"
    # The imports went on after it: the command finds them done.
    deadline = time.monotonic() + 60
    while not (tmp_path / "slow.done").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    done = runner.run([str(PYTHON), "-c", CHECK], tmp_path)
    assert done.stdout == "True True\n"


def test_a_command_sent_during_the_imports_runs_without_waiting_for_the_rest(tmp_path):
    runner = WarmRunner(PYTHON, _preloads(tmp_path), tmp_path)

    done = runner.run([str(PYTHON), "-c", CHECK], tmp_path)

    assert (done.returncode, done.stdout) == (0, "False True\n")


def test_a_started_python_let_go_during_its_imports_ends(tmp_path):
    runner = WarmRunner(PYTHON, _preloads(tmp_path), tmp_path)
    pid = runner.proc.pid

    runner.close()

    assert runner.proc is None and ended(pid)
