"""Exercise checks: the registry, the verdicts and the notebooks' exercise cells.

The expected answers come from the reference computations in ``helpers.exercises`` (plain
pandas, numpy, scipy and scikit-learn on the default data). The notebooks' solutions compute
the same answers with ``helpers``; their committed check cells say "correct", and nbval
re-executes those cells and compares their outputs (nbval compares every cell not marked
``# NBVAL_IGNORE_OUTPUT``), so every test run checks the solutions against the references
again.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from helpers import exercises
from helpers.exercises import core, recommendation, strategy

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Chapters whose exercises this suite requires: every chapter.
CHAPTERS = [f"{n:02d}" for n in range(14)]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def text_output(cell):
    return "".join(
        "".join(out.get("data", {}).get("text/plain", "")) + "".join(out.get("text", ""))
        for out in cell.get("outputs", [])
    )


def wrong(expected):
    """An answer of the right type that is clearly not the expected one."""
    if isinstance(expected, bool):
        return not expected
    if isinstance(expected, int):
        return expected + 7
    if isinstance(expected, float):
        return expected * 1.5 + 1
    if isinstance(expected, frozenset):
        return {"P0000", "P0001"}
    return "not the answer"


# --- the registry ------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_two_to_four_exercises(chapter):
    ids = exercises.exercise_ids(chapter)
    assert 2 <= len(ids) <= 4, ids
    assert [i.split(".")[1] for i in ids] == [str(n) for n in range(1, len(ids) + 1)]
    for exercise_id in ids:
        item = exercises.get_exercise(exercise_id)
        assert item.question and item.hint and item.chapter == chapter


def test_ids_are_checked_when_registered():
    with pytest.raises(ValueError, match="look like"):
        exercises.exercise("3.1", "q", "h")
    with pytest.raises(ValueError, match="twice"):
        exercises.exercise("00.1", "q", "h")(lambda: 1)
    with pytest.raises(KeyError, match="03.1"):
        exercises.check("03.9", 1)


# --- verdicts on every exercise -----------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", exercises.exercise_ids())
def test_check_says_correct_not_yet_or_cannot_check(exercise_id):
    expected = exercises.expected_answer(exercise_id)
    item = exercises.get_exercise(exercise_id)

    assert exercises.check(exercise_id, expected).status == "correct"
    assert bool(exercises.check(exercise_id, expected, data="synthetic"))

    for stub in (..., None):
        result = exercises.check(exercise_id, stub)
        assert result.status == "not yet" and not result
        assert "Replace the `...`" in str(result) and item.hint in str(result)

    result = exercises.check(exercise_id, wrong(expected))
    assert result.status == "not yet", result
    assert item.hint in result.message
    # the hint never gives the answer away
    shown = {str(expected)} if not isinstance(expected, float) else set()
    if isinstance(expected, float):
        shown |= {f"{expected:.3f}", f"{expected:.2f}", f"{expected:.1%}"}
    if isinstance(expected, frozenset):
        shown = set(expected)
    # (one- and two-digit answers occur in any text: "section 3")
    assert not any(text in str(result) for text in shown if len(text) >= 3), result

    result = exercises.check(exercise_id, expected, data="online_retail")
    assert result.status == "cannot check" and "default data" in str(result)


def test_the_default_order_lines_are_recognised_and_other_data_are_not():
    raw, clean = core.default_raw(), core.default_clean()
    answer = exercises.expected_answer("03.1")
    assert exercises.check("03.1", answer, data=raw).status == "correct"
    assert exercises.check("03.1", answer, data=clean.assign(extra=1)).status == "correct"
    changed = clean.copy()
    changed.loc[changed.index[0], "quantity"] += 1
    for other in (clean.iloc[1:], changed):
        result = exercises.check("03.1", answer, data=other)
        assert result.status == "cannot check"
        assert "only knows the answer on the course's default data" in result.message
    with pytest.raises(TypeError, match="data="):
        exercises.check("03.1", answer, data=42)


# --- comparing answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected", "rel", "abs_tol", "same"),
    [
        (np.float64(0.5004), 0.5, 0.0, 0.001, True),
        (0.502, 0.5, 0.0, 0.001, False),
        (np.int64(483), 483, 0.0, 0.0, True),
        (483.0, 483, 0.0, 0.0, True),
        (484, 483, 0.0, 0.0, False),
        (True, 1, 0.0, 0.0, False),  # a boolean is not a count
        ("1", 1, 0.0, 0.0, False),
        (" 2024-12 ", "2024-12", 0.0, 0.0, True),
        (["P2", "P1"], frozenset({"P1", "P2"}), 0.0, 0.0, True),
        ({"P1"}, frozenset({"P1", "P2"}), 0.0, 0.0, False),
        ("P1P2", frozenset({"P1", "P2"}), 0.0, 0.0, False),
        (pd.Series({"a": 1.0, "b": 2.0}), {"a": 1, "b": 2}, 0.0, 1e-9, True),
        ({"a": 1.0}, {"a": 1, "b": 2}, 0.0, 1e-9, False),
        ((0.1, 0.2), (0.1, 0.2), 0.0, 1e-9, True),
        (np.array([0.1, 0.3]), (0.1, 0.2), 0.0, 1e-9, False),
        (pd.DataFrame({"x": [1]}), 1, 0.0, 0.0, False),
        (math.nan, 0.5, 0.0, 0.1, False),
    ],
)
def test_answers_are_compared_by_kind_with_tolerance(answer, expected, rel, abs_tol, same):
    assert core._matches(answer, expected, rel, abs_tol) is same


def test_a_check_of_the_wrong_kind_says_what_kind_is_wanted():
    result = exercises.check("03.1", pd.Series([1, 2]))
    assert result.status == "not yet" and "should be a number" in result.message
    # a number, but the wrong one: said plainly, with the hint, never "should be a number"
    wrong = exercises.check("03.1", exercises.expected_answer("03.1") + 1000)
    assert wrong.status == "not yet" and wrong.message.startswith("Not this value. Hint:")
    month = exercises.check("00.1", pd.Period(exercises.expected_answer("00.1"), "M"))
    assert month.status == "correct"


# --- the notebooks' exercise cells ----------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_exercises_match_the_registry_and_their_solutions_are_correct(path):
    chapter = path.name[:2]
    registered = exercises.exercise_ids(chapter)
    if not registered and chapter not in CHAPTERS:
        pytest.skip(f"chapter {chapter} has no exercises registered yet")
    nb = cells(path)
    checked = []
    for i, cell in enumerate(nb):
        if cell["cell_type"] != "code" or "exercises.check(" not in source(cell):
            continue
        exercise_id = source(cell).split('exercises.check("')[1].split('"')[0]
        checked.append(exercise_id)
        before = nb[i - 1]
        assert "solution" in before.get("metadata", {}).get("tags", []), exercise_id
        assert "NBVAL_IGNORE_OUTPUT" not in source(cell), exercise_id
        assert "NBVAL_SKIP" not in source(cell), exercise_id
        assert f"Exercise {exercise_id}: correct." in text_output(cell), text_output(cell)
        assert f"### Exercise {exercise_id} " in source(nb[i - 2]), exercise_id
    assert checked == registered
    assert Counter(tag for cell in nb for tag in cell.get("metadata", {}).get("tags", [])).get(
        "solution", 0
    ) == len(registered)


# --- chapters 10-11: the references themselves ---------------------------------------------------


def test_the_break_even_reference_is_the_hand_formula():
    # d / (m - d) = 0.15 / 0.30 = 0.5: half as many units again
    assert exercises.expected_answer("11.1") == pytest.approx(0.5, abs=1e-12)
    assert exercises.check("11.1", 0.5).status == "correct"
    assert exercises.check("11.1", 0.15 / 0.45).status == "not yet"  # the discount over the margin


def test_the_birthday_reference_crosses_new_year(monkeypatch):
    from types import SimpleNamespace

    from helpers.campaigns import next_birthday

    births = pd.Series(
        pd.to_datetime(
            [
                "1990-12-20",  # day 0: in
                "1985-01-18",  # day 29: in
                "1980-01-19",  # day 30: out
                "1970-12-19",  # passed the day before: out
                "1988-02-29",  # leap day, far from the window: out
                "1999-12-31",  # New Year's Eve: in
                None,  # no birth date: out
            ]
        ),
        name="birth_date",
    )
    shop = SimpleNamespace(customers=pd.DataFrame({"birth_date": births}))
    monkeypatch.setattr(strategy, "default_shop", lambda: shop)
    assert strategy.birthdays_over_new_year() == 3
    start = pd.Timestamp("2024-12-20")
    assert int(((next_birthday(births, start) - start).dt.days < 30).sum()) == 3


def test_the_top_tier_keeps_ties_together_like_value_deciles():
    from helpers.tiers import value_deciles

    values = pd.Series([10, 9, 9, 5, 4, 3, 2, 1, 1, 0], index=list("abcdefghij"), dtype=float)
    top = strategy._top_tier(values, 5)
    assert list(top.index[top]) == ["a", "b", "c"]  # 2 of 10 is the fifth; the tie at 9 stays
    assert (top == (value_deciles(values, 5) == 1)).all()


def test_the_ranking_reference_breaks_ties_by_the_lower_column_and_skips_zeros():
    scores = np.array([[0.5, 0.5, 0.0, 0.7], [0.0, 0.0, 0.2, 0.0]])
    assert recommendation._top(scores, 3).tolist() == [[3, 0, 1], [2, -1, -1]]


def test_chapter_11_checks_say_cannot_check_on_other_lines_and_never_raise():
    clean = core.default_clean()
    earlier = clean[clean["invoice_date"] < pd.Timestamp("2024-07-01")]  # another AS_OF
    for exercise_id in exercises.exercise_ids("11"):
        answer = exercises.expected_answer(exercise_id)
        assert exercises.check(exercise_id, answer, data=clean).status == "correct"
        for other in (earlier, clean.head(0)):
            assert exercises.check(exercise_id, answer, data=other).status == "cannot check"
            assert exercises.check(exercise_id, math.nan, data=other).status == "cannot check"


# --- the shared references (helpers.exercises.reference) ------------------------------------------


def test_quantile_scores_count_the_customers_with_a_lower_value():
    from helpers.exercises.reference import quantile_score

    # 0, 0, 2 and 3 customers below: floor(5 x below / 4) + 1
    assert quantile_score(pd.Series([1.0, 1.0, 2.0, 3.0])).tolist() == [1, 1, 3, 4]
    # 0.1 + 0.2 and 0.3 are the same money: one score
    assert quantile_score(pd.Series([0.1 + 0.2, 0.3, 0.0])).tolist() == [2, 2, 1]


def test_rfm_segments_by_hand_and_nothing_from_as_of_on():
    from helpers.exercises.reference import last_purchase_days, rfm_segments

    as_of = pd.Timestamp("2024-01-11")
    rows = []
    # customer, days before as_of of the last purchase, invoices: R and F from 5 down to 1
    for customer, days, invoices in [
        ("a", 1, 5),
        ("b", 3, 4),
        ("c", 5, 3),
        ("d", 7, 2),
        ("e", 9, 1),
    ]:
        for n in range(invoices):
            when = as_of - pd.Timedelta(days=days + 20 * n) + pd.Timedelta(hours=23, minutes=59)
            rows.append((customer, f"{customer}{n}", when))
    rows += [("a", "late1", as_of), ("f", "late2", as_of + pd.Timedelta(hours=1))]  # not counted
    lines = pd.DataFrame(rows, columns=["customer_id", "invoice_id", "invoice_date"])

    recency = last_purchase_days(as_of, lines)
    assert recency.to_dict() == {"a": 1, "b": 3, "c": 5, "d": 7, "e": 9}  # 23:59 is still a day
    assert rfm_segments(lines, as_of).to_dict() == {
        "a": "Champions",  # R 5, F 5
        "b": "Loyal",  # R 4, F 4
        "c": "Need Attention",  # R 3, F 3
        "d": "Hibernating",  # R 2, F 2
        "e": "Lost",  # R 1, F 1
    }
    before = lines[lines["invoice_date"] < as_of]
    assert rfm_segments(before, as_of).equals(rfm_segments(lines, as_of))
