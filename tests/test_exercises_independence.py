"""The exercise references stay independent of the helpers their chapters teach.

A check compares a learner's answer with a reference computed without the helper under
practice, so that a bug in ``helpers`` shows as a wrong expected answer instead of being copied
into it (issue 27, point 6). This suite reads every module of ``helpers/exercises`` (its syntax
tree, imports inside functions included) and fails when one imports a ``helpers`` module its
topic must not use, or a private name of another exercise module.
"""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

EXERCISES = ROOT / "helpers" / "exercises"
#: The registry and the shared references: not a topic.
MACHINERY = {"__init__", "core", "reference"}

#: Per exercise module, the helpers modules (and their submodules) it must not import: the
#: ones its chapter teaches, and those they are built on.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "datasets": ("helpers.cleaning", "helpers.raw_lines"),
    "cleaning": (
        "helpers.cleaning",
        "helpers.extreme_quantities",
        "helpers.id_runs",
        "helpers.identifiers",
        "helpers.non_products",
        "helpers.parsing",
        "helpers.raw_lines",
        "helpers.returns",
    ),
    "value_formulas": (
        "helpers.value_formulas",
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.periods",
        "helpers.retention",
        "helpers.retention_counts",
        "helpers.value",
        "helpers.value_formulas",
    ),
    "tiers": (
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.tiers",
        "helpers.value",
        "helpers.value_formulas",
    ),
    "rfm": (
        "helpers.features",
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.features",
        "helpers.rfm",
    ),
    "clustering": (
        "helpers.clustering",
        "helpers.features",
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.features",
        "helpers.rfm",
    ),
    "churn": (
        "helpers.churn",
        "helpers.churn_campaign",
        "helpers.churn_metrics",
        "helpers.churn_models",
        "helpers.features",
        "helpers.features",
        "helpers.rfm",
        "helpers.survival",
    ),
    "subscriptions": (
        "helpers.cohorts",
        "helpers.report_subscriptions",
        "helpers.retention",
        "helpers.retention_counts",
        "helpers.survival",
        "helpers.survival_cox",
    ),
    "clv": ("helpers.clv", "helpers.clv_data", "helpers.value_formulas", "helpers.clv_tables"),
    "profiling": ("helpers.baskets", "helpers.profiling"),
    "recommendation": ("helpers.interactions", "helpers.recommend", "helpers.recommend_eval"),
    "strategy": (
        "helpers.birthdays",
        "helpers.campaigns",
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.promotion",
        "helpers.rfm",
        "helpers.strategy",
        "helpers.threshold_offers",
        "helpers.tiers",
    ),
    "report": (
        "helpers.cohorts",
        "helpers.customers",
        "helpers.customer_aggregates",
        "helpers.report",
        "helpers.report_folder",
        "helpers.report_html",
        "helpers.report_inputs",
        "helpers.report_risk",
        "helpers.report_subscriptions",
        "helpers.report_summary",
        "helpers.report_tables",
    ),
    "scale": ("helpers.scale", "helpers.scale_sql"),
}

#: Names a module may import from a module of its own chapter, with the reason. Exercise 11.3
#: starts from two model scores of chapters 06 and 08 that helpers.scoring runs; the playbook
#: rules it practises (helpers.strategy) are recomputed in the reference.
ALLOWED_NAMES: dict[tuple[str, str], frozenset[str]] = {
    ("strategy", "helpers.scoring"): frozenset({"churn_risk", "model_clv"}),
}

#: Chapter modules whose names are checked one by one (the rest of the module is forbidden).
OWN_CHAPTER = {"strategy": "helpers.scoring"}


def imports(path) -> list[tuple[str, str | None]]:
    """Every ``(module, name)`` a file imports; ``name`` is None for ``import module``.

    ``from helpers import rfm`` is reported as ``("helpers.rfm", None)``: the name is a module.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if node.module == "helpers" or node.module == "helpers.exercises":
                    found.append((f"{node.module}.{alias.name}", None))
                else:
                    found.append((node.module, alias.name))
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def violations(topic: str, found: list[tuple[str, str | None]]) -> list[str]:
    """The imports of ``found`` that exercise module ``topic`` must not make, in words."""
    bad = []
    for module, name in found:
        for forbidden in FORBIDDEN.get(topic, ()):
            if within(module, forbidden):
                bad.append(f"{topic} imports {module}{'.' + name if name else ''}")
        own = OWN_CHAPTER.get(topic)
        if own and within(module, own):
            allowed = ALLOWED_NAMES.get((topic, own), frozenset())
            if name is None or name not in allowed:
                bad.append(f"{topic} imports {module}{'.' + name if name else ''} (its chapter's)")
        if within(module, "helpers.exercises") and name and name.startswith("_"):
            bad.append(f"{topic} imports the private {module}.{name}")
    return bad


def topics() -> list[str]:
    return sorted(p.stem for p in EXERCISES.glob("*.py") if p.stem not in MACHINERY)


def test_every_exercise_module_declares_what_it_must_not_import():
    assert topics() == sorted(FORBIDDEN)


@pytest.mark.parametrize("topic", sorted(FORBIDDEN))
def test_no_exercise_module_imports_the_helpers_its_chapter_teaches(topic):
    assert violations(topic, imports(EXERCISES / f"{topic}.py")) == []


def test_the_shared_references_use_no_helpers_module_but_the_default_data():
    found = imports(EXERCISES / "reference.py")
    from_helpers = {m for m, _ in found if within(m, "helpers")}
    assert from_helpers == {"helpers.exercises.core"}
    assert {n for m, n in found if m == "helpers.exercises.core"} == {"default_clean"}


def test_the_import_check_finds_what_it_is_for(tmp_path):
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from helpers import rfm, tiers\n"
        "import helpers.clv.choice as choice\n"
        "def f():\n"
        "    from helpers.rfm import rfm_analysis\n"
        "    from helpers.scoring import churn_risk, score_customers\n"
        "    from helpers.strategy import playbook_table\n"
        "    from helpers.exercises.churn import _private, holdout_snapshot\n",
        encoding="utf-8",
    )
    found = imports(snippet)
    assert violations("rfm", found) == [
        "rfm imports helpers.rfm",
        "rfm imports helpers.rfm.rfm_analysis",
        "rfm imports the private helpers.exercises.churn._private",
    ]
    assert violations("clv", found)[0] == "clv imports helpers.clv.choice"
    assert "strategy imports helpers.tiers" in violations("strategy", found)
    strategy = violations("strategy", found)
    assert "strategy imports helpers.scoring.score_customers (its chapter's)" in strategy
    assert "strategy imports helpers.strategy.playbook_table" in strategy
    assert not any("churn_risk" in v for v in strategy)
    assert violations("scale", [("helpers.datasets", "load_telco")]) == []
