"""The package's layout (issue 27, point 5): a chapter map that is true, and no private imports."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import helpers
from helpers import CHAPTER_MODULES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"

#: Modules every chapter may use without teaching them.
COMMON = {"datasets", "dates", "exercises", "notebook", "plots", "checks", "translation"}

#: Modules no chapter teaches, and why.
SUPPORT = {
    "checks": "the error messages' rules, used everywhere",
    "dates": "the as_of convention, used everywhere",
    "deprecation": "renamed arguments, for one release",
    "datasets": "loading the course's data",
    "public_data": "the real public datasets' loaders, behind helpers.datasets",
    "examples": "example exports in other shops' shapes, for trying the report",
    "exercises": "the exercise checks",
    "notebook": "recording a chapter's results",
    "plots": "the figures",
    "options": "naming a setting as the report command's option",
    "translation": "the messages and prose in the learner's language (gettext catalogues)",
    **{
        name: "a part of the synthetic shop (helpers.synthetic)"
        for name in (
            "synthetic_campaign",
            "synthetic_customers",
            "synthetic_dirt",
            "synthetic_markets",
            "synthetic_products",
            "synthetic_prospects",
            "synthetic_subscriptions",
            "synthetic_tables",
        )
    },
}


def modules() -> set[str]:
    """The modules and subpackages of helpers."""
    files = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return files | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}


def chapter_imports(path: Path) -> set[str]:
    """The helpers modules a notebook's code imports (``helpers.x``, ``from helpers import x``)."""
    found = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module == "helpers":
                found |= {alias.name for alias in node.names}
            elif module and module.startswith("helpers."):
                found.add(module.split(".")[1])
    return found


def test_the_docstring_table_is_the_chapter_map():
    rows: dict[str, str] = {}
    current = None
    for line in helpers.__doc__.splitlines():
        match = re.match(r"^(\d\d \S.*?)\s{2,}(\S.*)$", line)
        if match:
            current = match.group(1)
            rows[current] = match.group(2)
        elif current and line.startswith(" " * 23) and line.strip():
            rows[current] += " " + line.strip()
        elif line.startswith("="):
            current = None
    assert list(rows) == list(CHAPTER_MODULES)
    for chapter, text in rows.items():
        named = set(re.findall(r"[a-z_]+", re.sub(r"\(the models\)|\(the command\)", "", text)))
        named -= {"with"}
        assert named == set(CHAPTER_MODULES[chapter]), chapter


def test_every_module_is_taught_by_a_chapter_or_supports_them():
    mapped = set().union(*CHAPTER_MODULES.values())
    assert mapped <= modules(), mapped - modules()
    assert modules() - mapped == set(SUPPORT), (modules() - mapped) ^ set(SUPPORT)


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
def test_a_chapter_imports_what_it_or_an_earlier_chapter_teaches(notebook):
    chapters = list(CHAPTER_MODULES)
    position = [c[:2] for c in chapters].index(notebook.name[:2])
    taught = set(COMMON).union(*(CHAPTER_MODULES[c] for c in chapters[: position + 1]))
    assert chapter_imports(notebook) - taught == set()


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                private = [a.name for a in node.names if re.match(r"_[^_]", a.name)]
                found += [f"{path.relative_to(ROOT)}: {node.module}.{name}" for name in private]
    assert found == []
