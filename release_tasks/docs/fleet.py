"""Docs to several targets (``docs_target = [...]``): every one gets them, or none shows them.

Readers of every host must see the old docs or the new ones, never one host ahead of the
others. So shipping is two phases over every target:

1. stage: the docs go to every target (SSH hosts through Fabric's ``ThreadingGroup``,
   ``max_parallel_hosts`` at a time; a local folder beside them) into a hidden folder.
   Nothing a reader sees changes. A target that fails (unreachable, key refused, out of
   space, read-only, not ours) stops the ship, naming it; what is staged elsewhere stays
   hidden, recorded in the journal, and a resumed release sends the docs only where they
   are missing.
2. switch: only when every target has the whole version staged, each moves it into place
   and switches ``latest`` (the atomic rename of a single target). If one fails after
   others switched, those are put back to their previous ``latest``.

The archive is packed once, for every host. Ctrl-C closes every connection (which stops
every transfer; each host's script removes its partial copy) and puts back any switch made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.core.errors import DocsError, ReleaseError
from release_tasks.docs import fleet_ssh, mark, ship_local
from release_tasks.ssh import group

if TYPE_CHECKING:
    from fabric import Connection

    from release_tasks.core.release import Release
    from release_tasks.ssh.connection import Target

Say = Callable[[str], None]


@dataclass
class Place:
    """One docs target and how far the docs got there."""

    target: str
    versioned: bool
    ssh: Target | None = None
    conn: Any = None
    state: str = ""  # "", "staged", "switched"
    error: str | None = None
    switched: ship_local.Switched | None = None
    location: str = ""
    earlier: bool = False  # staged by an earlier, stopped run: nothing sent this time

    @property
    def name(self) -> str:
        if self.conn is not None:
            return group.label(self.conn)
        return self.target


def digest(html: Path, project: str, version: str) -> str:
    """What the built docs hold: a copy staged from another build is never switched in."""
    h = hashlib.sha256(f"{project}\0{version}\0".encode())
    for dirpath, dirnames, filenames in os.walk(html):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            h.update(path.relative_to(html).as_posix().encode() + b"\0")
            if path.is_symlink():
                h.update(os.readlink(path).encode())
            else:
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def ship(rel: Release, html: Path, targets: Sequence[tuple[str, bool]], latest: bool,
         say: Say) -> list[str]:
    """Ship ``html`` to every ``(target, versioned)``; where the docs went on each."""
    from release_tasks.ssh.connection import parse

    places = [Place(t, v, parse(t, "docs_target") if t.startswith("ssh://") else None)
              for t, v in targets]
    journal = rel.journal
    if journal is not None and journal.version == rel.version:
        for p in places:
            if journal.docs_hosts.get(p.target) == "switched":
                p.state = "switched"
                p.location = f"{p.target} (already there)"
    token = secrets.token_hex(6)
    stamp = digest(html, rel.name, rel.version)
    mode = "switch-latest" if latest else "keep-latest"
    hosts = [p for p in places if p.ssh is not None and p.state != "switched"]
    need_kb = 2 * _size(html) // 1024 + 64  # the archive (at most as big) and the docs
    for p in hosts:
        assert p.ssh is not None
        p.conn = _host(rel, p, token, stamp, "no-latest" if not p.versioned else mode,
                       need_kb)
    conns = [p.conn for p in hosts]
    try:
        _stage(rel, html, places, hosts, token, stamp, say)
        try:
            _switch(rel, places, hosts, stamp, latest, say)
        except KeyboardInterrupt:  # mid-switch: every target back as it was
            _put_back(rel, places, hosts, stamp, say)
            raise
    finally:
        group.close(conns)
    return [p.location for p in places]


def _size(html: Path) -> int:
    return sum(p.stat().st_size for p in html.rglob("*") if p.is_file())


def _host(rel: Release, p: Place, token: str, stamp: str, mode: str,
          need_kb: int) -> Connection:
    assert p.ssh is not None
    env = {"RT_PARENT": p.ssh.parent, "RT_NAME": p.ssh.basename, "RT_DIGEST": stamp,
           "RT_TOKEN": token, "RT_MARK": mark.project_line(rel.name), "RT_MODE": mode,
           "RT_NEED_KB": str(need_kb)}
    conn = group.host(p.ssh, trust=rel.config.ssh_trust_unknown_hosts, pinned=rel.host_keys,
                      timeout=rel.config.network_timeout, env=env,
                      cls=fleet_ssh.host_class())
    conn.staging = f"{p.ssh.parent}/.{p.ssh.basename}.tmp-{token}/docs.tar.gz"
    return conn


def _record(rel: Release, p: Place, state: str) -> None:
    p.state = state
    if rel.journal is not None:
        rel.journal.record_docs_host(p.target, state)


def _stage(rel: Release, html: Path, places: list[Place], hosts: list[Place], token: str,
           stamp: str, say: Say) -> None:
    """Phase 1: the docs, hidden, on every target; stops naming each target that failed."""
    todo = [p for p in places if p.state != "switched"]
    say(f"staging the docs on {len(todo)} target{'s' if len(todo) != 1 else ''}")
    for p in todo:
        if p.ssh is None:
            try:
                p.earlier = ship_local.stage_local(
                    html, p.target, project=rel.name, version=rel.version, digest=stamp,
                    announce=rel.announce_scratch)
                _record(rel, p, "staged")
            except ReleaseError as e:
                p.error = e.message
    if hosts:
        _stage_hosts(rel, html, hosts, token, say)
    failed = [p for p in todo if p.error]
    if failed:
        others = len(places) - len(failed)
        kept = f"; the docs stay hidden on the other {others}" if others else ""
        raise DocsError(
            f"the docs could not be staged: {_names(failed)}{kept}; no target shows "
            f"{rel.version} yet",
            "fix that; the next ship sends the docs only where they are missing, then "
            "switches every target")


def _stage_hosts(rel: Release, html: Path, hosts: list[Place], token: str, say: Say) -> None:
    from release_tasks.docs.ship_ssh import pack

    size = rel.config.max_parallel_hosts
    timeout = rel.config.network_timeout
    where = {p.conn: p.ssh for p in hosts}
    prepared = group.run([p.conn for p in hosts], where, fleet_ssh.SCRIPTS["prepare"], size,
                         timeout)
    send: list[Place] = []
    for p in hosts:
        out = prepared[p.conn]
        if not out.ok:
            p.error = _why(p, out, "cannot stage the docs")
        elif "already staged" in out.out:
            p.earlier = True
            _record(rel, p, "staged")
            say(f"{p.name}: already staged")
        else:
            send.append(p)
    if not send:
        return
    archive = rel.scratch() / f"docs-{token}.tar.gz"
    owner = mark.render(rel.name, rel.version, os.listdir(html))
    try:
        with archive.open("wb") as f:
            pack(html, f, f".complete-{token}", owner)
    except OSError as e:
        raise DocsError(f"cannot pack the built docs in {html}: {e.strerror or e}",
                        "rebuild them with `fab build_docs`") from None
    say(f"sending the docs to {len(send)} host{'s' if len(send) != 1 else ''} "
        f"({archive.stat().st_size / 1e6:.1f} MB each)")
    sent = group.put([p.conn for p in send], where, str(archive), size)
    unpack = []
    for p in send:
        if sent[p.conn].ok:
            unpack.append(p)
        else:
            p.error = _why(p, sent[p.conn], "sending the docs failed")
            if "size mismatch" in p.error:  # sftp's word for a write the host cut short
                p.error = f"sending the docs to {p.name} failed: the archive arrived " \
                          "short (no space left there, or the connection dropped)"
    short = [p for p in send if p.error]
    if short:  # their partial copies go, where the host still answers
        group.run([p.conn for p in short], where, fleet_ssh.SCRIPTS["discard"], size, timeout)
    done = group.run([p.conn for p in unpack], where, fleet_ssh.SCRIPTS["unpack"], size)
    for p in unpack:
        if done[p.conn].ok:
            _record(rel, p, "staged")
            say(f"{p.name}: staged")
        else:
            p.error = _why(p, done[p.conn], "unpacking the docs failed")
    with contextlib.suppress(OSError):
        archive.unlink()


def _switch(rel: Release, places: list[Place], hosts: list[Place], stamp: str, latest: bool,
            say: Say) -> None:
    """Phase 2: every target switches; if one fails, the others are put back."""
    say("switching every target to the new docs")
    size = rel.config.max_parallel_hosts
    where = {p.conn: p.ssh for p in hosts}
    switched = group.run([p.conn for p in hosts], where, fleet_ssh.SCRIPTS["switch"], size,
                         rel.config.network_timeout)
    for p in hosts:
        out = switched[p.conn]
        if out.ok:
            _record(rel, p, "switched")
            p.location = _ssh_location(p, out.out)
        else:
            p.error = _why(p, out, "switching the docs failed")
    for p in places:
        if p.ssh is None and p.state == "staged" and not any(q.error for q in places):
            try:
                p.switched, p.location = ship_local.switch_local(
                    p.target, project=rel.name, digest=stamp, latest=latest,
                    versioned=p.versioned)
                _record(rel, p, "switched")
            except ReleaseError as e:
                p.error = e.message
    failed = [p for p in places if p.error]
    if failed:
        back = _put_back(rel, places, hosts, stamp, say)
        raise DocsError(
            f"the docs could not be switched everywhere: {_names(failed)}"
            + (f"; {back} put back to their previous docs" if back else ""),
            "fix that; the docs stay staged, hidden, and the next ship switches every "
            "target")
    group.run([p.conn for p in hosts], where, fleet_ssh.SCRIPTS["finish"], size,
              rel.config.network_timeout)
    for p in places:
        if p.switched is not None:
            ship_local.finish_local(p.switched)
        if p.earlier:
            p.location += " (staged by an earlier run)"
        say(f"{p.name}: {rel.version} in place")


def _put_back(rel: Release, places: list[Place], hosts: list[Place], stamp: str,
              say: Say) -> str:
    """Every target this run switched, back as it was (its docs hidden again, staged)."""
    mine = [p for p in hosts if p.state == "switched" or p.error]
    where = {p.conn: p.ssh for p in mine}
    back = 0
    if mine:
        undone = group.run([p.conn for p in mine], where, fleet_ssh.SCRIPTS["put_back"],
                           rel.config.max_parallel_hosts, rel.config.network_timeout)
        for p in mine:
            if undone[p.conn].ok and "restored" in undone[p.conn].out:
                back += 1
                _record(rel, p, "staged")
            elif not undone[p.conn].ok:
                say(f"{p.name}: could not be put back: {undone[p.conn].why()}")
    for p in places:
        if p.switched is not None:
            with contextlib.suppress(OSError):
                ship_local.put_back_local(p.switched, stamp)
                back += 1
                _record(rel, p, "staged")
            p.switched = None
    return f"{back} target{'s' if back != 1 else ''}" if back else ""


def _why(p: Place, out: group.Outcome, what: str) -> str:
    if out.error:
        return out.error
    if out.code == 3:
        return f"{out.why()} on {p.name}; it is never replaced"
    return f"{what} on {p.name}: {out.why()}"


def _names(failed: list[Place]) -> str:
    """Each failed target with its reason, in one line."""
    return "; ".join(p.error or p.name for p in failed)


def _ssh_location(p: Place, out: str) -> str:
    assert p.ssh is not None
    where = f"ssh://{p.conn.host}:{p.conn.port}{p.ssh.path}"
    if "a pre-release" in out:
        return f"{where} (latest left alone: a pre-release)"
    if "a real folder" in out:
        return f"{where} (latest left alone: it is a real folder)"
    return where
