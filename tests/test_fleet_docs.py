"""Scenarios: docs to a fleet (``docs_target = [...]``): real OpenSSH servers on 127.0.0.2,
127.0.0.3, ... (each its own host key in known_hosts) and a local folder beside them.

Readers of every target see the old docs or the new ones, never one target ahead of
another: the docs are staged, hidden, everywhere before any target switches. The "remote"
filesystems are this machine's, so the tests assert on the folders under tmp_path.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from release_tasks.core.config import Config, load
from release_tasks.core.errors import ConfigError, DocsError
from release_tasks.core.release import Options
from release_tasks.core.ui import Ui
from release_tasks.docs import fleet
from release_tasks.pipeline.assembly import assemble

from . import sshserver
from .docstrees import StepLine, html_tree, tree

pytestmark = pytest.mark.skipif(not sshserver.sshd_available(),
                                reason="OpenSSH sshd is not installed")

VERSION = "1.4.3"
SFTP = "/usr/lib/openssh/sftp-server"


@pytest.fixture
def no_agent(monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # only the throwaway key is offered


@pytest.fixture
def hosts(home, tmp_path, no_agent):
    """Three OpenSSH servers on 127.0.0.2-4."""
    servers = sshserver.start_fleet(home, tmp_path / "sshd", 3)
    yield servers
    for s in servers:
        s.close()


def wrapper(tmp_path: Path, name: str, on_switch: str = "", on_unpack: str = "") -> str:
    """A ForceCommand for one host: runs what the client asked, after ``on_switch`` when
    it is the switch, ``on_unpack`` when it unpacks the archive (a host's own trouble)."""
    path = tmp_path / f"{name}.sh"
    path.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        case "$SSH_ORIGINAL_COMMAND" in
          ""|sftp|internal-sftp) exec {SFTP} ;;
          *"docs in place"*) {on_switch or ":"} ;;
          *"tar -x"*) {on_unpack or ":"} ;;
        esac
        exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
        """))
    path.chmod(0o755)
    return f"ForceCommand {path}\n"


def release(root: Path, version: str = "1.0.0", **config) -> object:
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    rel = assemble(root, Config(**config), Ui(quiet=True), Options(), version=version)
    rel.replan(fresh=True)
    return rel


def targets(servers, sites: list[Path], version: str, local: Path | None = None):
    places = [(f"ssh://{s.address}{site}/pkg/{version}", True)
              for s, site in zip(servers, sites, strict=True)]
    if local is not None:
        places.append((f"{local}/pkg/{version}", True))
    return places


def shows(site: Path) -> str | None:
    """The version readers of ``site`` land on (``latest``), None when there is none."""
    link = site / "pkg" / "latest"
    return os.readlink(link) if link.is_symlink() else None


def visible(site: Path) -> list[str]:
    folder = site / "pkg"
    return sorted(n for n in os.listdir(folder) if not n.startswith(".")) \
        if folder.is_dir() else []


def hidden(site: Path) -> list[str]:
    folder = site / "pkg"
    return sorted(n for n in os.listdir(folder) if n.startswith(".")) \
        if folder.is_dir() else []


# --- the library's two phases, against real hosts ----------------------------------------


def test_every_host_and_the_local_folder_get_the_version_and_latest(hosts, tmp_path):
    sites = [tmp_path / f"site{i}" for i in range(3)]
    local = tmp_path / "local"
    first = html_tree(tmp_path / "html-1", "1.0.0")
    step = StepLine()

    where = fleet.ship(release(tmp_path), first, targets(hosts, sites, "1.0.0", local), True,
                       step.update)

    assert where == [f"ssh://{s.address}:{s.port}{site}/pkg/1.0.0"
                     for s, site in zip(hosts, sites, strict=True)] + [f"{local}/pkg/1.0.0"]
    for site in [*sites, local]:
        assert tree(site / "pkg" / "1.0.0") == tree(first)
        assert shows(site) == "1.0.0"
        assert sorted(os.listdir(site / "pkg")) == ["1.0.0", "latest"]  # nothing left over
    assert any("staged" in u for u in step.updates), step.updates

    second = html_tree(tmp_path / "html-2", "1.1.0", pages=("usage", "api"))
    fleet.ship(release(tmp_path, "1.1.0"), second, targets(hosts, sites, "1.1.0", local), True,
               step.update)
    for site in [*sites, local]:
        assert sorted(os.listdir(site / "pkg")) == ["1.0.0", "1.1.0", "latest"]
        assert shows(site) == "1.1.0"
        assert tree(site / "pkg" / "1.0.0") == tree(first)


def test_a_read_only_target_on_one_host_stops_the_ship_before_any_switch(
        hosts, tmp_path, tmpfs):
    sites = [tmp_path / "site0", tmp_path / "site1", tmpfs("1m")]
    local = tmp_path / "local"
    subprocess.run(["mount", "-o", "remount,ro", str(sites[2])], check=True)
    html = html_tree(tmp_path / "html", "1.0.0")

    with pytest.raises(DocsError) as failed:
        fleet.ship(release(tmp_path), html, targets(hosts, sites, "1.0.0", local), True,
                   lambda _: None)

    assert f"127.0.0.4:{hosts[2].port}" in str(failed.value)
    assert "Read-only" in str(failed.value) or "read-only" in str(failed.value)
    assert "no target shows 1.0.0 yet" in str(failed.value)
    for site in [*sites, local]:  # no host shows the new version
        assert shows(site) is None and visible(site) == []
    # The docs wait, hidden and complete, where they could be staged.
    assert [len(hidden(s)) for s in (sites[0], sites[1], local)] == [1, 1, 1]


def test_an_unknown_host_key_and_a_refused_key_are_both_named_and_nothing_shows(
        hosts, home, tmp_path):
    known = home / ".ssh" / "known_hosts"
    known.write_text("".join(line for line in known.read_text().splitlines(keepends=True)
                             if not line.startswith("[127.0.0.3]")))
    (hosts[2].workdir / "authorized_keys").write_text("")  # 127.0.0.4 refuses our key
    sites = [tmp_path / f"site{i}" for i in range(3)]
    local = tmp_path / "local"
    html = html_tree(tmp_path / "html", "1.0.0")

    with pytest.raises(DocsError) as failed:
        fleet.ship(release(tmp_path), html, targets(hosts, sites, "1.0.0", local), True,
                   lambda _: None)

    message = str(failed.value)
    assert f"the host key of root@127.0.0.3:{hosts[1].port} is unknown" in message, message
    assert f"root@127.0.0.4:{hosts[2].port} refused our SSH keys" in message, message
    assert "\n" not in message
    for site in [*sites, local]:
        assert shows(site) is None and visible(site) == []


def test_a_full_target_on_one_host_stops_the_ship_and_leaves_no_partial_copy(
        hosts, tmp_path, tmpfs):
    full = tmpfs("64k")
    sites = [tmp_path / "site0", full, tmp_path / "site2"]
    html = html_tree(tmp_path / "html", "1.0.0")
    (html / "_static" / "big.js").write_bytes(os.urandom(400_000))  # does not compress

    with pytest.raises(DocsError) as failed:
        fleet.ship(release(tmp_path), html, targets(hosts, sites, "1.0.0"), True,
                   lambda _: None)

    message = str(failed.value)
    assert f"127.0.0.3:{hosts[1].port}" in message and "no space left" in message.lower(), message
    for site in sites:
        assert shows(site) is None and visible(site) == []
    assert hidden(full) == []  # the host's partial copy is gone
    assert os.listdir(full) == ["pkg"]


def test_a_switch_failing_on_one_host_puts_the_others_back(home, tmp_path, tmpfs, no_agent):
    # Host 127.0.0.4's docs folder turns read-only just as it is told to switch (as a disk
    # remounted read-only after an error would): hosts 2 and 3 may have switched by then.
    ro = tmpfs("4m")
    trigger = tmp_path / "go-read-only"
    extra = wrapper(tmp_path, "remount",
                    on_switch=f'[ -e {trigger} ] && mount -o remount,ro {ro}')
    servers = sshserver.start_fleet(home, tmp_path / "sshd", 2)
    servers += [sshserver.OpenSSHServer(sshserver.new_key(), tmp_path / "sshd-4",
                                        "127.0.0.4", extra)]
    try:
        _share_client(home, servers)
        sites = [tmp_path / "site0", tmp_path / "site1", ro]
        local = tmp_path / "local"
        old = html_tree(tmp_path / "html-1", "1.0.0")
        fleet.ship(release(tmp_path), old, targets(servers, sites, "1.0.0", local), True,
                   lambda _: None)
        trigger.touch()
        new = html_tree(tmp_path / "html-2", "1.1.0", pages=("api",))

        with pytest.raises(DocsError) as failed:
            fleet.ship(release(tmp_path, "1.1.0"), new,
                       targets(servers, sites, "1.1.0", local), True, lambda _: None)

        message = str(failed.value)
        assert "could not be switched everywhere" in message, message
        assert "2 targets put back" in message, message
        assert f"127.0.0.4:{servers[2].port}" in message, message
        for site in [*sites, local]:  # every target shows the previous version, as before
            assert shows(site) == "1.0.0", site
            assert visible(site) == ["1.0.0", "latest"], site
            assert tree(site / "pkg" / "1.0.0") == tree(old)
    finally:
        for s in servers:
            s.close()


def _share_client(home: Path, servers: list) -> None:
    """One user key for every server (the last one was started on a key of its own)."""
    key = home / ".ssh" / "id_ed25519.pub"
    for s in servers:
        (s.workdir / "authorized_keys").write_text(key.read_text())
    ssh = home / ".ssh"
    (ssh / "config").write_text("".join(
        f"Host {s.address}\n  Port {s.port}\n  User {s.user}\n"
        f"  IdentityFile {ssh / 'id_ed25519'}\n  IdentitiesOnly yes\n" for s in servers))
    (ssh / "known_hosts").write_text("".join(sshserver.known_hosts_line(s) for s in servers))


# --- whole releases with `fab` ----------------------------------------------------------


def fleet_config(servers, sites: list[Path], local: Path, index: Path) -> str:
    listed = ", ".join([f'"ssh://{s.address}{site}/{{name}}/{{version}}"'
                        for s, site in zip(servers, sites, strict=True)]
                       + [f'"{local}/{{name}}/{{version}}"'])
    return f'repository = "file://{index}"\ndocs_target = [{listed}]\n'


def test_a_release_ships_to_every_host_and_the_summary_names_each(
        hosts, project, fab, editor, tmp_path):
    sites = [tmp_path / f"site{i}" for i in range(3)]
    local = tmp_path / "local"
    proj = project("modern", tool_cfg=fleet_config(hosts, sites, local, tmp_path / "index"))

    run = fab(proj, "release", "--yes", env={"EDITOR": editor()})

    assert run.code == 0, run.out
    built = tree(proj.path / "build" / "docs-html")
    for site in [*sites, local]:
        assert tree(site / "modernpkg" / VERSION) == built
        assert os.readlink(site / "modernpkg" / "latest") == VERSION
        assert sorted(os.listdir(site / "modernpkg")) == [VERSION, "latest"]
    for s, site in zip(hosts, sites, strict=True):
        assert f"docs      ssh://{s.address}:{s.port}{site}/modernpkg/{VERSION}" in run.out
    assert f"docs      {local}/modernpkg/{VERSION}" in run.out


def test_a_host_stopped_mid_release_switches_nothing_and_resume_completes(
        hosts, project, fab, tmp_path):
    sites = [tmp_path / f"site{i}" for i in range(3)]
    local = tmp_path / "local"
    proj = project("modern", tool_cfg=fleet_config(hosts, sites, local, tmp_path / "index"))
    # 127.0.0.3 goes down after the pre-flight, as the release commits its history.
    hook = proj.path / ".git" / "hooks" / "post-commit"
    hook.write_text(f"#!/bin/sh\nkill $(cat {hosts[1].workdir}/sshd.pid) 2>/dev/null\n"
                    "exit 0\n")
    hook.chmod(0o755)

    run = fab(proj, "release", "--yes", "--notes", "- Fixed it.")

    assert run.code != 0, run.out
    assert f"127.0.0.3:{hosts[1].port}" in run.out and "connection refused" in run.out, run.out
    assert "--resume" in run.out
    for site in [*sites, local]:  # no target shows the new version
        folder = site / "modernpkg"
        assert not folder.exists() or [n for n in os.listdir(folder) if n[0] != "."] == []

    hook.unlink()
    hosts[1].close()
    hosts[1].start()
    resumed = fab(proj, "release", "--resume", "--yes")

    assert resumed.code == 0, resumed.out
    # The docs were sent only where they were missing.
    earlier = [line for line in resumed.lines() if "(staged by an earlier run)" in line]
    assert len(earlier) == 3 and not any("127.0.0.3" in line for line in earlier), resumed.out
    built = tree(proj.path / "build" / "docs-html")
    for site in [*sites, local]:  # every target the same version
        assert tree(site / "modernpkg" / VERSION) == built
        assert os.readlink(site / "modernpkg" / "latest") == VERSION
        assert sorted(os.listdir(site / "modernpkg")) == [VERSION, "latest"]


def test_check_lists_the_problems_of_every_host_at_once(hosts, project, fab, tmp_path, tmpfs):
    # 127.0.0.2 is down, 127.0.0.3's disk is all but full, 127.0.0.4's is read-only.
    sites = [tmp_path / "site0", tmpfs("64k"), tmpfs("1m")]
    subprocess.run(["mount", "-o", "remount,ro", str(sites[2])], check=True)
    proj = project("modern", tool_cfg=fleet_config(hosts, sites, tmp_path / "local",
                                                   tmp_path / "index"))
    hosts[0].close()

    run = fab(proj, "check")

    assert run.code != 0, run.out
    assert f"127.0.0.2:{hosts[0].port}: connection refused" in run.out, run.out
    assert f"127.0.0.4:{hosts[2].port}" in run.out and "not writable" in run.out, run.out
    assert f"{sites[1]}/modernpkg on root@127.0.0.3:{hosts[1].port} has 0.1 MB free" \
        in run.out, run.out
    assert os.listdir(sites[1]) == []  # a check changes nothing


def test_ship_docs_takes_several_targets_on_the_command_line(project, fab, tmp_path):
    proj = project("modern")
    html = html_tree(proj.path / "build" / "docs-html", "1.4.2")
    east, west, north = (tmp_path / side for side in ("east", "west", "north"))

    run = fab(proj, "ship_docs", "--target", f"{east}/{{name}}/{{version}}",
              "--target", f"{west}/{{name}}/{{version}},{north}/{{name}}/{{version}}")

    assert run.code == 0, run.out
    for side in (east, west, north):
        assert tree(side / "modernpkg" / "1.4.2") == tree(html)
        assert os.readlink(side / "modernpkg" / "latest") == "1.4.2"


# --- configuration ----------------------------------------------------------------------


def test_docs_target_takes_a_string_or_a_list_and_refuses_anything_else(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.release_tasks]\ndocs_target = ["/a/{version}", "ssh://h/b/{version}"]\n'
        "max_parallel_hosts = 3\n")
    cfg = load(tmp_path)
    assert cfg.docs_targets == ("/a/{version}", "ssh://h/b/{version}")
    assert cfg.max_parallel_hosts == 3
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "setup.cfg").write_text("[release_tasks]\ndocs_target =\n    /a\n    /b\n")
    assert load(tmp_path).docs_targets == ("/a", "/b")  # in an INI file: one a line
    (tmp_path / "pyproject.toml").write_text('[tool.release_tasks]\ndocs_target = "/a"\n')
    assert load(tmp_path).docs_target == "/a" and load(tmp_path).docs_targets == ("/a",)
    for bad in ("docs_target = 3", "docs_target = [1, 2]", 'docs_target = ["/a", "/a"]',
                "max_parallel_hosts = 0", 'max_parallel_hosts = "many"'):
        (tmp_path / "pyproject.toml").write_text(f"[tool.release_tasks]\n{bad}\n")
        with pytest.raises(ConfigError) as failed:
            load(tmp_path)
        assert "\n" not in str(failed.value) and failed.value.hint, bad
