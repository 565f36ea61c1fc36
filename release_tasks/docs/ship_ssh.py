"""Docs over SSH: ``docs_target = "ssh://[user@]host[:port]/path"``.

Docs ship as one archive streamed over one connection into ``tar -x`` on the host, unpacked
into a temporary folder renamed into place, then ``latest`` is switched with ``ln -sfn`` +
``mv -T`` (a rename, so atomic): a reader never sees half-shipped docs, and a failure
before the rename leaves the previous version and ``latest`` as they were. ``latest``
follows final releases only, unless ``docs_latest_prereleases = true``: a release
candidate's docs are published under their own version without becoming what readers land
on. A target without ``{version}`` gets no ``latest`` at all.

The same rule as for a local folder (:mod:`release_tasks.docs.mark`): the target folder
is replaced only when it is empty or holds exactly what an earlier ship of this project put
there. A link, a folder we did not make, or one where someone added files since, is
refused with the fix, and nothing on the host is deleted.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import secrets
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from release_tasks.core.errors import DocsError
from release_tasks.docs import mark, sphinx
from release_tasks.ssh.connection import (
    Progress,
    check_connection,
    connect,
    first_line,
    label,
    parse,
    probe,
    say,
    sh,
)

if TYPE_CHECKING:
    from release_tasks.core.release import Release, Report


# After _PROBE, on the docs' parent folder $1: is tar there, is `latest` a real folder?
_DOCS_PROBE = r"""
command -v tar >/dev/null 2>&1 || echo "missing tar"
if [ -e "$1/latest" ] && [ ! -L "$1/latest" ]; then echo "latest is a folder"; fi
echo "free $(df -Pk -- "$p" 2>/dev/null | awk 'NR==2 {print $4}')"
"""


def space_needed(rel: Release) -> int:
    """Bytes a target needs free for the docs: twice the last build (the archive and the
    docs unpacked), at least 1 MB."""
    html = sphinx.build_dir(rel.root)
    built = sum(p.stat().st_size for p in html.rglob("*") if p.is_file()) \
        if html.is_dir() else 0
    return max(2 * built, 1 << 20)


def check_docs_target(rel: Release, target: str, report: Report,
                      versioned: bool | None = None, space: bool = False) -> None:
    """Pre-flight for ``docs_target = ssh://...``: reachable, key known, parent writable.

    ``versioned``: the target has a folder per version (default: as the first target).
    ``space``: check the free space too (one of several targets: a host short of it
    would stop the others' ship half-way)."""
    checked = check_connection(rel, target, "docs_target", report)
    if checked is None:
        return
    parsed, conn = checked
    with contextlib.closing(conn):
        notes = report.guard(probe, conn, parsed.parent, report, "the docs folder",
                             _DOCS_PROBE)
        if notes is None:
            return
        if "missing tar" in notes:
            report.error(f"{label(conn)} has no `tar` to unpack the docs with "
                         "(install tar there)")
        if versioned is None:
            versioned = sphinx.per_version((rel.config.docs_targets or
                                            (sphinx.default_target(),))[0])
        free = next((n.split()[1] for n in notes if n.startswith("free ")
                     and n.split()[1:] and n.split()[1].isdigit()), None)
        need = space_needed(rel)
        if space and free is not None and int(free) * 1024 < need:
            report.error(f"{parsed.parent} on {label(conn)} has {int(free) / 1024:.1f} MB "
                         f"free; the docs need about {need / 1e6:.1f} MB (free some space "
                         "there)")
        if "latest is a folder" in notes and versioned:
            report.warn(f"{parsed.parent}/latest on {label(conn)} is a real folder, not a "
                        "symlink: it will not be switched to the new version")


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owned by nobody in particular and world-readable: a web server serves these."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir():
        info.mode = 0o755
    elif info.isfile():
        info.mode = 0o755 if info.mode & 0o111 else 0o644
    return info


def pack(html: Path, out: BinaryIO, marker: str, owner: str = "") -> None:
    """Stream the tree under ``html`` as a ``.tar.gz`` into ``out``, ``marker`` last.

    ``owner``: the text of our ``.release_tasks.json`` (:mod:`release_tasks.docs.mark`),
    which goes in as the folder's mark instead of any file of that name the docs hold.

    The empty ``marker`` file goes in only after every other file did, and the host refuses
    an archive without it: a stream cut at a file boundary (a file that vanished, Ctrl-C)
    can be a valid tar.gz, and must still never be published. gzip level 1: docs compress
    about 2-3x even so, and more CPU time per byte saves less than it costs on a LAN.
    """
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(html):
            dirnames.sort()
            base = Path(dirpath)
            for name in [*dirnames, *sorted(filenames)]:
                path = base / name
                arcname = path.relative_to(html).as_posix()
                if owner and arcname == mark.NAME:
                    continue
                tar.add(path, arcname=arcname, recursive=False, filter=_normalised)
        if owner:
            data = owner.encode("utf-8")
            info = tarfile.TarInfo(mark.NAME)
            info.size = len(data)
            tar.addfile(_normalised(info), io.BytesIO(data))
        tar.addfile(_normalised(tarfile.TarInfo(marker)))


def _count(html: Path) -> tuple[int, int]:
    files = [p for p in html.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# The folder "$parent/$name" is ours to replace: empty, absent, or holding only what a ship
# of this project made (its "$mark" lists the entries and names the project: the line
# "$owner"). Exit 3 otherwise, naming the entry. Shared by one host's ship and a fleet's.
OWNED = r"""
if [ -L "$name" ]; then
  echo "$parent/$name is a symbolic link: docs are shipped into a folder of their own" >&2
  exit 3
fi
if [ -e "$name" ] && [ ! -d "$name" ]; then
  echo "$parent/$name is a file, not a folder" >&2; exit 3
fi
if [ -d "$name" ] && [ -n "$(ls -A -- "$name")" ]; then
  if [ -L "$name/$mark" ] || [ ! -f "$name/$mark" ] || ! grep -Fqx -- "$owner" "$name/$mark"; then
    echo "$parent/$name already holds files no release of this project put there" >&2; exit 3
  fi
  for path in "$name"/* "$name"/.[!.]* "$name"/..?*; do
    if [ ! -e "$path" ] && [ ! -L "$path" ]; then continue; fi
    entry=${path#"$name"/}
    if [ "$entry" = "$mark" ]; then continue; fi
    if ! grep -Fqx -e "  \"$entry\"," -e "  \"$entry\"" -- "$name/$mark"; then
      echo "$parent/$name/$entry was not put there by a release" >&2; exit 3
    fi
  done
fi
"""


# "$link" renamed over "latest" in one step (GNU mv -T, BSD mv -h): never a moment
# without it.
MV_T = 'if mv --version >/dev/null 2>&1; then mv -T -- "$link" latest; ' \
       'else mv -h -- "$link" latest; fi'
# "latest" pointed at "$name" as "$mode" says (switch-latest, keep-latest for a pre-release,
# no-latest for a target without {version}); a real folder named latest is left alone.
# Shared by one host's ship and a fleet's switch.
LATEST = r"""
if [ "$mode" = no-latest ]; then
  echo "no latest"
elif [ "$mode" = keep-latest ]; then
  echo "latest kept: a pre-release"
elif [ -L latest ] || [ ! -e latest ]; then
  ln -sfn -- "$name" "$link"
  """ + MV_T + r"""
  echo "latest switched"
else
  echo "latest kept: a real folder"
fi
"""


# $1 parent folder, $2 version folder name, $3 unique token, $4 "switch-latest", or
# "keep-latest" to leave `latest` where it is (a pre-release), or "no-latest" (a target
# without {version}); $5 the line of a mark naming this project; the archive arrives on
# stdin. A truncated archive (dropped connection, Ctrl-C) fails gzip's check or lacks the
# marker file that comes last, so nothing moves. Exit 3: the target is not ours to replace.
_SHIP = r"""
set -e
mkdir -p -- "$1"
cd -- "$1"
name=$2 tmp=".$2.tmp-$3" old=".$2.old-$3" link=".latest-$3" mark=.release_tasks.json
parent=$1 owner=$5
trap 'rm -rf -- "$tmp" "$link"' EXIT
trap 'exit 1' HUP INT TERM
mkdir -- "$tmp"
tar -x -z --no-same-owner -f - -C "$tmp"
if [ ! -f "$tmp/.complete-$3" ]; then echo "the archive arrived incomplete" >&2; exit 1; fi
rm -f -- "$tmp/.complete-$3"
""" + OWNED + r"""
if [ -e "$name" ]; then mv -- "$name" "$old"; fi
if ! mv -- "$tmp" "$name"; then
  if [ -e "$old" ]; then mv -- "$old" "$name"; fi
  exit 1
fi
echo "docs in place"
rm -rf -- "$old" || true
mode=${4-}
""" + LATEST


def ship_docs(rel: Release, html: Path, target: str, progress: Progress,
              latest: bool = True, *, versioned: bool = True) -> str:
    """Ship the built HTML to ``ssh://host/path/name/version``; see the module docstring.

    ``latest``: whether ``latest`` moves to this version (False for a pre-release).
    ``versioned``: the target is one version's folder, with ``latest`` beside it.

    One archive streamed over one channel into ``tar -x`` on the host, instead of a copy
    per file: a docs tree is thousands of small files, and per-file round trips are what
    makes copying them slow. Packing, sending and unpacking overlap, and no archive is
    left lying around on either side.
    """
    parsed = parse(target, "docs_target")
    files, size = _count(html)
    say(progress, f"connecting to {parsed.host}")
    conn = connect(parsed, rel.config.ssh_trust_unknown_hosts, rel.host_keys)
    with contextlib.closing(conn):
        say(progress, f"streaming {files} file{'s' if files != 1 else ''} "
                      f"({size / 1e6:.1f} MB) to {parsed.host}")
        token = secrets.token_hex(6)
        owner = mark.render(rel.name, rel.version, os.listdir(html))

        def feed(stream: BinaryIO) -> None:
            try:
                pack(html, stream, f".complete-{token}", owner)
            except OSError as e:  # reading the local build; the host discards what it got
                raise DocsError(f"cannot read the built docs in {html}: {e.strerror or e}",
                                "rebuild them with `fab build_docs`") from None

        mode = "no-latest" if not versioned else "switch-latest" if latest else "keep-latest"
        code, out, err = sh(conn, _SHIP, parsed.parent, parsed.basename, token, mode,
                            mark.project_line(rel.name), feed=feed)
        why = first_line(err or out or f"exit {code}")
        if code == 3:
            raise DocsError(f"{why} on {label(conn)}; they are never replaced, and nothing "
                            "was changed there",
                            "point docs_target at a new or empty folder (with {version} in "
                            "it), or move those files away")
        if code != 0 and "docs in place" in out:
            raise DocsError(f"the docs are in {parsed.path} on {label(conn)}, but "
                            f"{parsed.parent}/latest could not be switched to them: {why}",
                            f"fix it on {parsed.host}, then `fab ship_docs` again")
        if code != 0:
            raise DocsError(
                f"shipping the docs to {parsed.parent} on {label(conn)} failed: {why}",
                f"fix it on {parsed.host} (the previous docs and `latest` are untouched)")
        where = f"ssh://{conn.host}:{conn.port}{parsed.path}"
    if "no latest" in out:
        return where
    if "latest switched" in out:
        return where
    if "a pre-release" in out:
        return f"{where} (latest left alone: a pre-release)"
    return f"{where} (latest left alone: it is a real folder)"
