"""Built-docs trees for the docs shipping tests, and the step line a step writes to."""

from __future__ import annotations

from pathlib import Path


class StepLine:
    """What a step sees of its progress line: updates, then a closing note."""

    def __init__(self) -> None:
        self.updates: list[str] = []
        self.note = ""

    def update(self, text: str) -> None:
        self.updates.append(text)


def html_tree(folder: Path, version: str, pages: tuple[str, ...] = ("usage",)) -> Path:
    """A small built-docs tree: pages, a static folder, a nested folder."""
    (folder / "_static").mkdir(parents=True)
    (folder / "_sources").mkdir()
    (folder / "index.html").write_text(f"<title>pkg {version} documentation</title>\n")
    (folder / "_static" / "style.css").write_text("body { color: black; }\n")
    for page in pages:
        (folder / f"{page}.html").write_text(f"<p>{page} of {version}</p>\n")
        (folder / "_sources" / f"{page}.rst.txt").write_text(f"{page}\n")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes: two trees compare equal when identical.
    The mark a ship leaves (``.release_tasks.json``) is not part of the docs."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != ".release_tasks.json"}
