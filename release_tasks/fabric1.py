"""Command-line spellings people bring from Fabric 1 and from older fabfiles.

Fabric 3 (through invoke) names tasks with dashes (``notify-slack``) and takes arguments
as flags or positionals. People coming from Fabric 1 type ``fab notify_slack:1.2.3`` or
``fab task:a,b,key=value``, and muscle memory types ``notify_slack``. This shim rewrites
those tokens into the invoke form before invoke parses them, and only when the name
resolves to a real task, so nothing else on the command line changes meaning.

It wraps :meth:`invoke.Parser.parse_argv` (public API, stable across invoke 2.x), once,
when ``release_tasks`` is imported by a fabfile.
"""

from __future__ import annotations

import re
from typing import Any

_TRUE = {"1", "true", "yes", "y", "on"}


def _lookup(contexts: Any, name: str) -> str | None:
    """The context name ``name`` refers to, trying dash and underscore spellings."""
    for candidate in (name, name.replace("_", "-"), name.replace("-", "_")):
        if candidate in contexts:
            return candidate
    return None


def _split_args(text: str) -> list[str]:
    r"""Fabric 1 argument lists: comma separated, ``\,`` is a literal comma."""
    parts = re.split(r"(?<!\\),", text)
    return [p.replace("\\,", ",") for p in parts if p != ""]


def _args_of(context: Any) -> list[Any]:
    """The context's arguments in declaration order (each once)."""
    seen: list[Any] = []
    for arg in context.args.values():
        if all(arg is not s for s in seen):
            seen.append(arg)
    return seen


def _flag_for(context: Any, key: str) -> Any:
    for candidate in (key, key.replace("_", "-"), key.replace("-", "_")):
        if candidate in context.args:
            return context.args[candidate]
    return None


def _as_flags(context: Any, raw: str) -> list[str]:
    """``a,b,key=value`` → invoke flags for ``context``'s arguments."""
    out: list[str] = []
    positionals = iter(_args_of(context))
    for item in _split_args(raw):
        key, eq, value = item.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][\w-]*", key):
            arg = _flag_for(context, key)
            if arg is None:
                # Let invoke report the unknown flag in its own words.
                out.append(f"--{key.replace('_', '-')}={value}")
                continue
        else:
            arg = next(positionals, None)
            value = item
            if arg is None:
                out.append(item)  # too many: invoke will say so
                continue
        flag = "--" + str(arg.names[0]).replace("_", "-")
        if arg.kind is bool:
            truthy = value.strip().lower() in _TRUE
            if truthy:
                out.append(flag)
            elif arg.default is True:
                out.append("--no-" + flag[2:])
        else:
            out.append(f"{flag}={value}")
    return out


def translate(argv: list[str], contexts: Any, initial: Any = None) -> list[str]:
    """Rewrite Fabric 1 / underscore task tokens in ``argv`` into invoke's form.

    Follows invoke's own rules for what a token is: a flag, a flag's value, a positional
    argument the current task still needs, or else a task name.
    """
    if not contexts:
        return list(argv)
    out: list[str] = []
    current: Any = initial
    filled: list[Any] = []  # arguments of the current task already given
    expect_value = False
    for i, token in enumerate(argv):
        if token == "--":
            out.extend(argv[i:])
            break
        if expect_value:
            out.append(token)
            expect_value = False
            continue
        if token.startswith("-") and token != "-":
            out.append(token)
            flag = token.split("=", 1)[0]
            arg = None
            for ctx in (current, initial):
                if ctx is not None and flag in getattr(ctx, "flags", {}):
                    arg = ctx.flags[flag]
                    break
            if arg is not None:
                filled.append(arg)
                if "=" not in token and arg.takes_value and not arg.optional:
                    expect_value = True
            continue
        waiting = [a for a in getattr(current, "positional_args", [])
                   if all(a is not f for f in filled)]
        if current is not initial and waiting:
            arg = waiting[0]
            if arg.default is None:  # required: invoke itself takes the token
                filled.append(arg)
                out.append(token)
                continue
            if _lookup(contexts, token.partition(":")[0]) is None:
                # An optional positional (it has a default), which invoke cannot fill
                # from a bare token: give it as a flag.
                filled.append(arg)
                out.append("--" + str(arg.names[0]).replace("_", "-") + "=" + token)
                continue
        name, colon, raw = token.partition(":")
        resolved = _lookup(contexts, name) if name else None
        if resolved is None:
            out.append(token)
            continue
        current = contexts[resolved]
        filled = []
        out.append(resolved)
        if colon:
            flags = _as_flags(current, raw)
            out.extend(flags)
            for flag in flags:
                key = flag.split("=", 1)[0]
                if key in current.flags:
                    filled.append(current.flags[key])
    return out


def _underscore_aliases(contexts: Any) -> None:
    """``notify_slack`` as another name of ``notify-slack``: also what lets
    ``fab --help notify_slack`` find the task (invoke looks its value up here)."""
    for name in list(contexts.keys()):
        alias = name.replace("-", "_")
        if alias != name and alias not in contexts:
            contexts.alias(alias, to=name)


def install() -> None:
    """Wrap invoke's parser once; harmless to call again."""
    from invoke.parser import Parser

    if getattr(Parser.parse_argv, "_release_tasks_fabric1", False):
        return
    original = Parser.parse_argv

    def parse_argv(self: Any, argv: list[str]) -> Any:
        _underscore_aliases(self.contexts)
        return original(self, translate(list(argv), self.contexts, self.initial))

    parse_argv._release_tasks_fabric1 = True  # type: ignore[attr-defined]
    Parser.parse_argv = parse_argv  # type: ignore[method-assign]
