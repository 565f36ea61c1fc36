"""The package's shape, checked from its source: the import graph, module sizes, shared state.

The graph is built with the standard library's ``ast`` from every ``import`` in
``release_tasks``, the ones inside functions included (imported late for start-up time,
they are dependencies all the same); only ``if TYPE_CHECKING:`` blocks are left out, as
they never run.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "release_tasks"
MAX_LINES = 400
# Calls that change a container in place.
MUTATORS = {"add", "append", "extend", "insert", "update", "setdefault", "pop", "popitem",
            "remove", "discard", "clear"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(node: ast.AST):
    """Every node below ``node``, minus the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _owner(name: str) -> str:
    """The package module that ``name`` (a module or a name in one) belongs to."""
    while name not in modules():
        name = name.rpartition(".")[0]
    return name


@cache
def imports_of(name: str) -> frozenset[str]:
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {_owner(a.name) for a in node.names
                      if a.name.split(".")[0] == "release_tasks"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source.split(".")[0] != "release_tasks":
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                found.add(full if full in modules() else _owner(source))
    found.discard(name)
    return frozenset(found)


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in imports_of(name):
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in modules():
        if name not in index:
            visit(name)
    return found


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for other in imports_of(todo.pop()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def test_the_import_graph_has_no_cycle():
    graph = {name: imports_of(name) for name in modules()}
    assert sum(len(v) for v in graph.values()) > 50, "the graph looks empty: parser broken?"
    assert "release_tasks.ssh.connection" in graph["release_tasks.docs.ship_ssh"]

    assert cycles() == []


def test_no_module_is_over_400_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in modules().items()}

    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


# Bottom to top; no import runs from a lower floor to a higher one (DESIGN.md).
FLOORS = {
    "release_tasks.vcs": 0, "release_tasks.core": 0,
    "release_tasks.versioning": 1, "release_tasks.changelog": 1, "release_tasks.build": 1,
    "release_tasks.publish": 1, "release_tasks.docs": 1, "release_tasks.ssh": 1,
    "release_tasks.notify": 1, "release_tasks.workspace": 1,
    "release_tasks.steps": 2,
    "release_tasks.pipeline": 3,
    "release_tasks.tasks": 4, "release_tasks.fabric1": 4, "release_tasks.demo": 4,
    "release_tasks": 4,
}


def floor_of(name: str) -> tuple[str, int] | None:
    """The package (or top-level module) ``name`` belongs to, and its floor."""
    while name:
        if name in FLOORS:
            return name, FLOORS[name]
        name = name.rpartition(".")[0]
    return None


def test_every_module_is_on_a_floor():
    assert [name for name in modules() if floor_of(name) is None] == []


def test_no_import_runs_from_a_lower_floor_to_a_higher_one():
    upward = []
    for name in modules():
        for other in imports_of(name):
            here, there = floor_of(name), floor_of(other)
            if here is not None and there is not None and there[1] > here[1]:
                upward.append(f"{name} (floor {here[1]}) imports {other} (floor {there[1]})")

    assert upward == []


def test_the_concerns_import_each_other_without_a_cycle():
    """Concerns share a floor: one may use another (docs ship over ssh), never both ways."""
    uses: dict[str, set[str]] = {}
    for name in modules():
        here = floor_of(name)
        if here is None or here[1] != 1:
            continue
        for other in imports_of(name):
            there = floor_of(other)
            if there is not None and there[1] == 1 and there[0] != here[0]:
                uses.setdefault(here[0], set()).add(there[0])

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in uses.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert sorted(c for c in uses if reaches(c, c, set())) == []


def test_the_engine_knows_steps_only_through_their_interface():
    engine = "release_tasks.core.engine"

    assert not any(m.startswith("release_tasks.steps") for m in imports_of(engine))
    assert not any(m.startswith("release_tasks.steps") for m in reachable(engine))


def _module_level_containers(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp,
                                     ast.ListComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in ("dict", "list", "set", "defaultdict", "OrderedDict"))
        if mutable:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_no_module_level_container_is_changed_at_run_time():
    """Process-wide state that functions change leaks from one release (or thread) into
    the next: what a release remembers belongs to the release."""
    changed = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        containers = _module_level_containers(tree)
        for function in (n for n in ast.walk(tree)
                         if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(function):
                if isinstance(node, ast.Global):
                    changed += [f"{name}: global {g}" for g in node.names]
                target = None
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in MUTATORS:
                    target = node.func.value
                elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
                    targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) \
                        else [node.target]
                    target = next((t.value for t in targets if isinstance(t, ast.Subscript)),
                                  None)
                if isinstance(target, ast.Name) and target.id in containers:
                    changed.append(f"{name}: {target.id} in {function.name}()")

    assert changed == []


def test_code_talking_to_hosts_never_turns_ctrl_c_into_an_error():
    """In the SSH and docs-shipping code a handler of BaseException (or a bare
    ``except:``) may clean up, then must re-raise what it caught: Ctrl-C is not a
    connection failure. (Only the engine turns it into a rollback, on purpose.)"""
    offenders = []
    for name, path in modules().items():
        if not name.startswith(("release_tasks.ssh", "release_tasks.docs")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler):
                continue
            broad = node.type is None or (isinstance(node.type, ast.Name)
                                          and node.type.id == "BaseException")
            if not broad:
                continue
            raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
            ends_in_reraise = isinstance(node.body[-1], ast.Raise) and node.body[-1].exc is None
            if not ends_in_reraise or len(raises) > 1:
                offenders.append(f"{name}:{node.lineno}")

    assert offenders == []


def test_modules_are_imported_under_their_own_names():
    """``from release_tasks.notify import slack as notify`` hid which module a call goes
    to; a module is imported under its own name, so a search for it finds every use."""
    aliased = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "release_tasks"):
                aliased += [f"{name}: {node.module}.{a.name} as {a.asname}" for a in node.names
                            if a.asname and f"{node.module}.{a.name}" in modules()]

    assert aliased == []


def test_the_plan_is_frozen_and_the_release_keeps_no_run_state_of_its_own(tmp_path):
    """What will happen is decided before the steps run and read-only after; what the
    steps make goes into their typed results, not onto the release object."""
    import dataclasses

    import pytest

    from release_tasks.core.config import Config
    from release_tasks.core.plan import Options, Plan
    from release_tasks.core.release import Release
    from release_tasks.core.ui import Ui

    rel = Release(tmp_path, Config(), Ui(quiet=True), Options(), version="1.0.0")

    assert dataclasses.is_dataclass(Plan) and Plan.__dataclass_params__.frozen
    assert Options.__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        rel.plan.version = "2.0.0"  # type: ignore[misc]
    for read_only in ("root", "config", "options", "version", "current", "date", "fresh",
                      "part_reason", "tag", "name"):
        with pytest.raises(AttributeError):
            setattr(rel, read_only, None)
    for gone in ("dist_before", "warnings", "history_backup", "history_paths", "commits",
                 "commit_bases", "crlf_files", "tag_created"):
        assert not hasattr(rel, gone), gone
    assert (rel.version, rel.root, rel.current) == ("1.0.0", tmp_path, None)


def _assigned_on_rel(node: ast.AST) -> bool:
    """``rel.X = ...`` or ``rel.X[...] = ...``."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
        and node.value.id == "rel"


def test_steps_never_assign_attributes_on_the_release():
    """Steps hand on what they made as the results they declare, never as attributes of
    the shared release object (a side channel the engine cannot order)."""
    offenders = []
    for name, path in modules().items():
        if not name.startswith("release_tasks.steps"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ("setattr", "delattr") and node.args and \
                    isinstance(node.args[0], ast.Name) and node.args[0].id == "rel":
                offenders.append(f"{name}:{node.lineno}")
            for t in targets:
                elts = t.elts if isinstance(t, ast.Tuple) else [t]
                offenders += [f"{name}:{node.lineno}" for e in elts if _assigned_on_rel(e)]

    assert offenders == []
