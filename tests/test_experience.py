"""The newcomer's first minutes and the team's hundredth release: demo, terminal and CI
behaviour, quiet and verbose output, and this project releasing itself."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

from .conftest import FAB
from .test_release import pip_install

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_demo_releases_a_sample_package_that_installs(fab, home, tmp_path):
    run = fab(REPO, "demo")

    assert run.code == 0, run.out
    index = home / ".local/share/release_tasks/index/simple/release-tasks-demo"
    files = sorted(p.name for p in index.iterdir())
    assert files == ["index.html", "release_tasks_demo-0.2.0-py3-none-any.whl",
                     "release_tasks_demo-0.2.0.tar.gz"]
    line = next(x for x in run.lines() if "pip install" in x and "Install the demo" in x)
    simple = line.split("--index-url ")[1].split()[0]
    assert pip_install(simple, "release_tasks_demo==0.2.0", tmp_path / "site") == "0.2.0"
    assert (home / ".local/share/release_tasks/docs/release-tasks-demo/0.2.0/index.html"
            ).is_file()
    assert 'slack      would have received: {"text": "Deployed version 0.2.0' in run.out \
        or "would have received" in run.out
    # A second demo continues where the first left off.
    again = fab(REPO, "demo")
    assert again.code == 0, again.out
    assert "release_tasks_demo-0.3.0.tar.gz" in {p.name for p in index.iterdir()}


def test_this_project_releases_itself_in_a_dry_run(fab, tmp_path):
    clone = tmp_path / "self"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "-B", "main"], cwd=clone, check=True)
    subprocess.run(["git", "branch", "-q", "--set-upstream-to=origin/HEAD"], cwd=clone,
                   check=False)
    before = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True,
                            text=True, check=True).stdout

    run = fab(clone, "release", "--dry-run", env={"EDITOR": "true"})

    assert run.code == 0, run.out
    assert "Release release_tasks 0.1.0.dev0 → 0.1.0" in run.out
    assert "HISTORY.rst" in run.out and "sphinx-build docs/" in run.out
    assert subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True,
                          text=True, check=True).stdout == before


def test_without_a_terminal_and_without_yes_it_stops_and_says_so(project, fab, editor):
    proj = project("modern")
    before = proj.state()

    run = fab(proj, "release", env={"EDITOR": editor()})

    assert run.code == 1
    assert "no terminal to confirm the release on (pass --yes to release without " \
           "confirmation)" in run.out
    assert proj.state() == before


def test_ci_true_releases_without_asking(project, fab, editor):
    proj = project("modern")

    run = fab(proj, "release", "--skip-docs", env={"EDITOR": editor(), "CI": "true"})

    assert run.code == 0, run.out
    assert proj.tags() == ["1.4.3"]


def test_notes_file_instead_of_the_editor(project, fab, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("- From the notes file.\n")
    proj = project("modern")

    run = fab(proj, "release", "--yes", "--skip-docs", "--notes-file", str(notes),
              env={"EDITOR": "false"})

    assert run.code == 0, run.out
    assert "## 1.4.3 (" in proj.read("CHANGELOG.md")
    assert "- From the notes file." in proj.read("CHANGELOG.md")


def test_plain_output_without_a_terminal_and_quiet_and_verbose(project, fab, editor):
    proj = project("modern")

    run = fab(proj, "release", "--yes", "--skip-docs", "--quiet", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    assert not ANSI.search(run.out)
    shown = [x for x in run.lines() if x.strip()]
    assert shown[-1].startswith("Released modernpkg 1.4.3")
    assert all(x.startswith("! ") for x in shown[:-1]), shown  # warnings only

    proj.write("modernpkg/more.py", "MORE = True\n")  # something new to release
    proj.commit("Add more")
    run = fab(proj, "release", "--yes", "--skip-docs", "--verbose", "--part", "minor",
              env={"EDITOR": editor()})
    assert run.code == 0, run.out
    assert "$ " in run.out and "hooks.py" in run.out  # the commands run are shown
    assert "  1. edit_history" in run.out  # and the plan


def run_in_terminal(proj, args, answer, env, timeout=120, raw=None):
    """Run fab with a real pseudo-terminal, answer its question, return (code, output
    without escape codes); ``raw`` receives the output as the terminal got it."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([FAB, *args], cwd=proj.path, stdin=secondary, stdout=secondary,
                            stderr=secondary, env={**os.environ, **env}, close_fds=True)
    os.close(secondary)
    out = b""
    answered = False
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if not answered and b"[y/N]" in out:
                os.write(main, answer.encode() + b"\n")
                answered = True
        elif proc.poll() is not None:
            break
    proc.wait(10)
    os.close(main)
    text = out.decode("utf-8", "replace")
    if raw is not None:
        raw.append(text)
    return proc.returncode, ANSI.sub("", text)


def test_on_a_terminal_the_plan_is_shown_and_confirmed_once(project, editor):
    proj = project("modern")

    code, out = run_in_terminal(proj, ["release", "--skip-docs"], "y", {"EDITOR": editor()})

    assert code == 0, out
    assert "Release modernpkg 1.4.2 → 1.4.3? [y/N]" in out
    assert out.count("[y/N]") == 1
    assert "  3. tag" in out  # the plan came first
    assert proj.tags() == ["1.4.3"]


def test_on_a_terminal_no_means_nothing_changes(project, editor):
    proj = project("modern")
    before = proj.state()

    code, out = run_in_terminal(proj, ["release"], "n", {"EDITOR": editor()})

    assert code == 1, out
    assert "release cancelled; nothing was changed" in out
    assert proj.state() == before


def test_no_color_on_a_terminal_means_no_colour_codes(project, editor):
    proj = project("modern")
    raw: list[str] = []

    code, out = run_in_terminal(proj, ["release", "--yes", "--skip-docs"], "y",
                                {"EDITOR": editor(), "NO_COLOR": "1"}, raw=raw)

    assert code == 0, out
    assert "✓ build" in out
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", raw[0])  # no foreground colours at all
