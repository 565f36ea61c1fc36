"""The SSH hosts of a docs fleet: stage, switch, put back and finish, each as one group call.

The same folder rules as :mod:`release_tasks.docs.ship_ssh` (only a folder an earlier ship
of this project made is replaced; ``latest`` is switched with an atomic rename), cut in
phases so that no host shows the new version before every host has it staged:

1. prepare: make the parent folder, remove what an earlier stopped run of ours left
   (marked as ours), refuse a target that is not ours, tell whether the docs are already
   staged (a resumed release sends them only where missing);
2. put: the one archive to each host that needs it, into a hidden folder;
3. unpack: into ``.<version>.staged-<digest>``, hidden, complete or absent;
4. switch: the staged folder into place and ``latest`` to it, recording on the host what
   ``latest`` was, so that a host switched before another failed can be put back;
5. finish (every host switched) or put back (one failed): on every host.

Each host's folders come from its connection's environment (see
:mod:`release_tasks.ssh.group`): ``RT_PARENT``, ``RT_NAME``, ``RT_DIGEST`` (the archive's
content, so that a stale staged copy is never switched in), ``RT_TOKEN`` (this run),
``RT_MARK`` (the mark line naming the project), ``RT_MODE`` (as in ship_ssh), ``RT_NEED_KB``
(the space the archive and the docs unpacked take: a host short of it is refused before
anything is sent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from release_tasks.docs.ship_ssh import LATEST, MV_T, OWNED

if TYPE_CHECKING:
    from fabric import Connection

# The target folder is ours to replace (see ship_ssh.OWNED); exit 3 otherwise.
_OURS = r"""
cd -- "$RT_PARENT"
parent=$RT_PARENT name=$RT_NAME owner=$RT_MARK mark=.release_tasks.json
""" + OWNED

_PREPARE = "set -e\nmkdir -p -- \"$RT_PARENT\"\n" + _OURS + r"""
for d in ".$name.tmp-"* ".$name.old-"*; do
  if [ -d "$d" ] && [ ! -L "$d" ] && { [ -f "$d/.release_tasks-incomplete" ] || \
      grep -Fqx -- "$RT_MARK" "$d/$mark" 2>/dev/null; }; then rm -rf -- "$d"; fi
done
for d in ".$name.staged-"*; do
  if [ "$d" = ".$name.staged-$RT_DIGEST" ]; then continue; fi
  if [ -d "$d" ] && [ ! -L "$d" ] && grep -Fqx -- "$RT_MARK" "$d/$mark" 2>/dev/null; then
    rm -rf -- "$d"
  fi
done
rm -f -- ".$name.switch-"*
if [ -d ".$name.staged-$RT_DIGEST" ] && [ -f ".$name.staged-$RT_DIGEST/$mark" ]; then
  echo "already staged"; exit 0
fi
avail=$(df -Pk . 2>/dev/null | awk 'NR==2 {print $4}')
case "$avail" in
  ''|*[!0-9]*) ;;
  *) if [ "$avail" -lt "$RT_NEED_KB" ]; then
       echo "no space left for the docs in $RT_PARENT:" \
         "${avail} KB free, ${RT_NEED_KB} KB needed" >&2
       exit 4
     fi ;;
esac
tmp=".$name.tmp-$RT_TOKEN"
mkdir -- "$tmp"
: > "$tmp/.release_tasks-incomplete"
echo "ready"
"""

# A copy that failed on its way (the archive arrived short): its folder goes.
_DISCARD = r"""
cd -- "$RT_PARENT" || exit 0
tmp=".$RT_NAME.tmp-$RT_TOKEN"
if [ -f "$tmp/.release_tasks-incomplete" ]; then rm -rf -- "$tmp"; fi
echo "discarded"
"""

_UNPACK = r"""
set -e
cd -- "$RT_PARENT"
tmp=".$RT_NAME.tmp-$RT_TOKEN"
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkdir -- "$tmp/tree"
tar -x -z --no-same-owner -f "$tmp/docs.tar.gz" -C "$tmp/tree"
rm -f -- "$tmp/docs.tar.gz"
if [ ! -f "$tmp/tree/.complete-$RT_TOKEN" ]; then
  echo "the archive arrived incomplete" >&2; exit 1
fi
rm -f -- "$tmp/tree/.complete-$RT_TOKEN"
if [ ! -e ".$RT_NAME.staged-$RT_DIGEST" ]; then mv -- "$tmp/tree" ".$RT_NAME.staged-$RT_DIGEST"; fi
echo "staged"
"""

_SWITCH = "set -e\n" + _OURS + r"""
staged=".$name.staged-$RT_DIGEST" old=".$name.old-$RT_TOKEN" rec=".$name.switch-$RT_TOKEN"
link=".latest-$RT_TOKEN"
if [ ! -d "$staged" ]; then echo "the staged docs are gone from $RT_PARENT" >&2; exit 1; fi
prev=
if [ -L latest ]; then prev=$(readlink latest); fi
printf '%s\n' "$prev" > "$rec"
if [ -e "$name" ]; then mv -- "$name" "$old"; fi
if ! mv -- "$staged" "$name"; then
  if [ -e "$old" ]; then mv -- "$old" "$name"; fi
  rm -f -- "$rec"; exit 1
fi
echo "docs in place"
mode=$RT_MODE
""" + LATEST

_PUT_BACK = r"""
cd -- "$RT_PARENT" || exit 1
name=$RT_NAME staged=".$RT_NAME.staged-$RT_DIGEST" old=".$RT_NAME.old-$RT_TOKEN"
rec=".$RT_NAME.switch-$RT_TOKEN" link=".latest-$RT_TOKEN"
if [ ! -f "$rec" ]; then echo "nothing to put back"; exit 0; fi
prev=$(cat -- "$rec")
if [ "$RT_MODE" = switch-latest ] && [ -L latest ] && [ "$(readlink latest)" = "$name" ]; then
  if [ -n "$prev" ]; then
    ln -sfn -- "$prev" "$link" && """ + MV_T + r""" || exit 1
  else
    rm -f -- latest || exit 1
  fi
fi
if [ -d "$name" ] && [ ! -e "$staged" ]; then mv -- "$name" "$staged" || exit 1; fi
if [ -e "$old" ]; then mv -- "$old" "$name" || exit 1; fi
rm -f -- "$rec"
echo "restored"
"""

_FINISH = r"""
cd -- "$RT_PARENT" || exit 1
rm -rf -- ".$RT_NAME.old-$RT_TOKEN"
rm -f -- ".$RT_NAME.switch-$RT_TOKEN"
echo "finished"
"""

SCRIPTS = {"prepare": _PREPARE, "discard": _DISCARD, "unpack": _UNPACK, "switch": _SWITCH,
           "put_back": _PUT_BACK, "finish": _FINISH}


def host_class() -> type[Connection]:
    """A ``Connection`` that knows where its host's archive goes, so that one group
    ``put`` sends the archive to each host's own staging folder."""
    from fabric import Connection

    class DocsHost(Connection):  # type: ignore[misc]
        staging = ""

        def put(self, local: Any, remote: Any = None, preserve_mode: bool = True) -> Any:
            return super().put(local, remote or self.staging, preserve_mode)

    return DocsHost
