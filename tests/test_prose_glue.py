"""Numbers in the prose: glued to the recorded results, or named as not coming from an output.

Each chapter's markdown states numbers; a number that comes from an output carries a glue
comment (``scripts/prose_glue.py``) and is rewritten from the recorded results whenever the
chapter is executed. Here: the mechanism on small examples, then every committed chapter: its
glued numbers equal its recorded results, and every other number of its prose is either
plainly not an output (a section number, a year, a parameter of its code) or listed, with the
reason, in the notebook's metadata ``customer_value_lab.prose_constants``.
"""

from __future__ import annotations

import sys

import nbformat
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from learner_view import learner_notebook  # noqa: E402
from prose_glue import (  # noqa: E402
    GlueError,
    bare_numbers,
    fill_notebook,
    fill_text,
    without_glue,
)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RESULTS = {"churn_rate": 0.5571, "n": 4321, "auc": {"logistic regression": 0.8412}, "gone": None}


def test_a_glued_number_is_rewritten_from_the_results_in_its_format():
    text = "was lower (0.64<!-- glue: churn_rate | .2f -->), over 4,000<!-- glue: n --> people"
    assert fill_text(text, RESULTS) == (
        "was lower (0.56<!-- glue: churn_rate | .2f -->), over 4,321<!-- glue: n --> people"
    )


def test_percent_subscripts_and_arithmetic():
    text = (
        "a rate of 50%<!-- glue: churn_rate | .1% -->, an AUC of 0.9"
        '<!-- glue: auc["logistic regression"] | .3f --> and a ceiling of 2.00'
        "<!-- glue: 1 / churn_rate | .2f -->"
    )
    assert fill_text(text, RESULTS) == (
        "a rate of 55.7%<!-- glue: churn_rate | .1% -->, an AUC of 0.841"
        '<!-- glue: auc["logistic regression"] | .3f --> and a ceiling of 1.80'
        "<!-- glue: 1 / churn_rate | .2f -->"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x 1<!-- glue: missing -->", "recorded results: auc, churn_rate, gone, n"),
        ("x 1<!-- glue: gone -->", "missing (None)"),
        ("x 1<!-- glue: n | .2% --> and", None),
        ("x 1<!-- glue: n | q -->", "format 'q'"),
        ("no number<!-- glue: n -->", "follows no number"),
        ("x 1<!-- glue: open('f') -->", "NameError"),
    ],
)
def test_a_glue_that_cannot_be_filled_says_why(text, message):
    if message is None:  # a valid format: no error
        assert fill_text(text, RESULTS) == "x 432100.00%<!-- glue: n | .2% --> and"
        return
    with pytest.raises(GlueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fill_text(text, RESULTS, where="cell 3: ")


def markdown_notebook(*texts: str, code: str = "") -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(text) for text in texts]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code), *cells])


def test_bare_numbers_skip_what_is_plainly_not_an_output():
    nb = markdown_notebook(
        "### 6.2 A heading\n\n1. a list item with `code 17` and $x = 18$",
        "See section 3.5 and 3.9, chapter 08 and exercise 02.2; data of 2010-12-01 to 2011.",
        "A horizon of 90 days (a parameter), 0.56<!-- glue: churn_rate --> glued, [a](f_12.md)",
        "but 46 customers and £4,132 and 1.80 are bare.",
        code="HORIZON_DAYS = 90",
    )
    assert [(b.cell, b.number) for b in bare_numbers(nb)] == [(4, "46"), (4, "4,132"), (4, "1.80")]


def test_filling_a_notebook_counts_the_changed_numbers_and_learners_see_no_comments():
    nb = markdown_notebook("lower (0.64<!-- glue: churn_rate | .2f -->) and 0.56", code="1")
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.customer-value-lab.result+json": {
                    "name": "churn_rate",
                    "value": 0.5571,
                },
                "text/plain": "churn_rate = 0.5571",
            },
        )
    ]
    assert fill_notebook(nb) == 1
    assert fill_notebook(nb) == 0
    assert nb.cells[1].source == "lower (0.56<!-- glue: churn_rate | .2f -->) and 0.56"
    assert learner_notebook(nb).cells[1].source == "lower (0.56) and 0.56"
    assert without_glue("a 1<!-- glue: x --> b") == "a 1 b"


def constants(notebook: nbformat.NotebookNode) -> dict[str, str]:
    return notebook.metadata.get("customer_value_lab", {}).get("prose_constants", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_committed_prose_states_the_recorded_numbers(path):
    notebook = nbformat.read(path, as_version=4)
    assert fill_notebook(notebook, path.name) == 0, (
        f"{path.name}: glued numbers differ from the recorded results; "
        f"run python scripts/prose_glue.py {path.relative_to(ROOT)}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_number_of_the_prose_is_glued_or_named_as_not_an_output(path):
    notebook = nbformat.read(path, as_version=4)
    named = constants(notebook)
    assert all(isinstance(r, str) and len(r) > 10 for r in named.values()), "give each a reason"
    bare = bare_numbers(notebook)
    unexplained = [
        f"cell {b.cell}: {b.number} in '…{b.context}…'" for b in bare if b.number not in named
    ]
    assert not unexplained, "glue these to a recorded result, or name them:\n" + "\n".join(
        unexplained
    )
    # no stale entries: each named number still appears, bare, in the prose
    assert set(named) <= {b.number for b in bare}, set(named) - {b.number for b in bare}
