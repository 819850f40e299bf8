"""Exercise checks: ``exercises.check("03.1", answer, data=clean)`` says "correct" or "not yet".

Every chapter ends with a few exercises. In a notebook, each has a solution cell (tagged
``solution``; the student edition made by ``scripts/student_edition.py`` replaces it with a
stub) and a check cell::

    from helpers import exercises

    exercises.check("03.1", a_customers, data=clean)

The expected answers are not stored: each is computed from the course's default data (the
embedded synthetic dataset, the chapter's default parameters) by a short reference computation
written independently of the helper the chapter teaches (see :mod:`helpers.exercises.core`).
When ``data`` is not the default data, the check says that it cannot know the answer.

Adding a chapter's exercises: write a module ``chNN_MM.py`` here with one function per exercise,
decorated with :func:`exercise` (id, one-line question, hint, tolerance), import it below, and
add a solution cell tagged ``solution`` that ends by setting an answer variable, followed by a cell
``exercises.check("NN.M", answer_variable, data=clean)``, to the chapter's notebook.
"""

from helpers.exercises import (  # noqa: F401 - registers them
    ch00_03,
    ch04_09,
    ch07,
    ch10_12,
    ch13,
    judgement_00_03,
    judgement_04_06,
    judgement_07_09,
    judgement_10_13,
)
from helpers.exercises.core import (
    CheckResult,
    Exercise,
    check,
    exercise,
    exercise_ids,
    expected_answer,
    get_exercise,
)

__all__ = [
    "CheckResult",
    "Exercise",
    "check",
    "exercise",
    "exercise_ids",
    "expected_answer",
    "get_exercise",
]
