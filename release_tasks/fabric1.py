"""Command-line spellings people bring from Fabric 1 and from older fabfiles.

Fabric 3 (through invoke) names tasks with dashes (``notify-slack``) and takes arguments
as flags or positionals. People coming from Fabric 1 type ``fab notify_slack:1.2.3`` or
``fab task:a,b,key=value``, and muscle memory types ``notify_slack``. This shim rewrites
those tokens into the invoke form before invoke parses them, and only when the name
resolves to a real task, so nothing else on the command line changes meaning.

Nothing of invoke is patched. When a fabfile imports ``release_tasks`` while ``fab`` is
loading it, :func:`install` hands that one running ``fab`` program a parser of its own
(:class:`Fabric1Parser`, an :class:`invoke.Parser` whose ``parse_argv`` translates first),
through the program's ``_make_parser`` hook, which ``fab`` calls right after loading the
fabfile. Any other use of invoke in the process (``inv``, a library importing
``release_tasks``, a test) parses exactly as invoke does. The same hook notes the
fabfile's folder (the collection's ``loaded_from``) in the run's config, as
``release_tasks_project``: ``fab`` does not chdir there, and it is where the tasks look
for the repository.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from invoke.parser import Parser

PROJECT_KEY = "release_tasks_project"

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


def _flag_name(arg: Any) -> str:
    """How invoke spells the argument's flag: ``--long-name``, or ``-a`` for one letter."""
    name = str(arg.names[0]).replace("_", "-")
    return f"-{name}" if len(name) == 1 else f"--{name}"


def _with_value(flag: str, value: str) -> list[str]:
    """``--flag=value``; invoke splits ``=`` only in long flags, so ``-a value``."""
    return [f"{flag}={value}"] if flag.startswith("--") else [flag, value]


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
        flag = _flag_name(arg)
        if arg.kind is bool:
            truthy = value.strip().lower() in _TRUE
            if truthy:
                out.append(flag)
            elif arg.default is True:
                out.append("--no-" + flag.lstrip("-"))
        else:
            out.extend(_with_value(flag, value))
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
                out.extend(_with_value(_flag_name(arg), token))
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


class Fabric1Parser(Parser):
    """invoke's parser, reading the Fabric 1 and underscore spellings too."""

    def parse_argv(self, argv: list[str]) -> Any:
        _underscore_aliases(self.contexts)
        return super().parse_argv(translate(list(argv), self.contexts, self.initial))


def _running_fab() -> Any:
    """The ``fab`` program loading its fabfile right now, or None.

    ``fab`` is ``fabric.main:program.run``; between parsing the core flags (which sets
    ``core``) and parsing the tasks (which sets ``parser``) it imports the fabfile.
    """
    main = sys.modules.get("fabric.main")
    program = getattr(main, "program", None)
    if program is None or not hasattr(program, "core") or hasattr(program, "parser"):
        return None
    return program


def install() -> None:
    """Give the running ``fab``, if any, the Fabric 1 spellings; harmless to call again."""
    program = _running_fab()
    if program is None or "_make_parser" in vars(program):
        return
    make_parser = program._make_parser

    def _make_parser() -> Parser:
        made = make_parser()
        loaded_from = getattr(program.collection, "loaded_from", None)
        if loaded_from:
            program.config[PROJECT_KEY] = str(loaded_from)
        return Fabric1Parser(contexts=list(made.contexts.values()), initial=made.initial)

    program._make_parser = _make_parser
