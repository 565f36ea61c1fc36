"""Scenarios: Fabric 1 spellings reach the running `fab` only, and fab finds the project."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

FABFILE = textwrap.dedent("""\
    from invoke import task
    from release_tasks import *


    @task
    def deploy(c, a="none", target="nowhere"):
        print(f"deploying a={a} target={target}")
    """)


def test_importing_the_package_changes_nothing_of_invoke(tmp_path):
    script = textwrap.dedent("""\
        from invoke import Collection, Parser, ParseError
        before = Parser.parse_argv
        import release_tasks
        assert Parser.parse_argv is before, "Parser.parse_argv was replaced"
        parser = Parser(contexts=release_tasks.ns.to_contexts())
        try:
            parser.parse_argv(["notify_slack:1.2.3"])
        except ParseError as e:
            print("invoke says:", e)
        """)

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, check=False)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "invoke says: No idea what 'notify_slack:1.2.3' is!"


def test_fabric1_arguments_of_the_fabfiles_own_task_short_names_included(project, fab):
    proj = project("modern", fabfile=FABFILE)

    for argv, expected in ((["deploy:7"], "a=7 target=nowhere"),
                           (["deploy:a=8,target=prod"], "a=8 target=prod"),
                           (["deploy", "-a", "9"], "a=9 target=nowhere"),
                           (["deploy:target=qa"], "a=none target=qa")):
        run = fab(proj, *argv)
        assert run.code == 0, (argv, run.out)
        assert f"deploying {expected}" in run.out, (argv, run.out)


def test_fab_from_outside_the_project_with_search_root_finds_it(project, fab, tmp_path):
    proj = project("modern")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    run = fab(elsewhere, "--search-root", str(proj.path), "check")

    assert run.code == 0, run.out
    assert "All checks passed: modernpkg 1.4.2 → 1.4.3" in run.out


def test_no_private_attribute_of_invoke_is_read():
    package = Path(__file__).resolve().parent.parent / "release_tasks"
    readers = [str(p.relative_to(package)) for p in package.rglob("*.py")
               if "_project_prefix" in p.read_text(encoding="utf-8")]

    assert readers == []
