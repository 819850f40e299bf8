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

The exercises are grouped by topic, like the rest of ``helpers``: one module per chapter,
named for what the chapter teaches, holding both its exercises and its judgement exercises
(find the bug, choose a parameter by its consequence).

=======  ======================================  =========================================
chapter  notebook                                module
=======  ======================================  =========================================
00       ``00_welcome``                          :mod:`helpers.exercises.datasets`
01       ``01_data_cleaning``                    :mod:`helpers.exercises.cleaning`
02       ``02_value_formulas``                   :mod:`helpers.exercises.value_formulas`
03       ``03_customer_tiers``                   :mod:`helpers.exercises.tiers`
04       ``04_rfm``                              :mod:`helpers.exercises.rfm`
05       ``05_clustering``                       :mod:`helpers.exercises.clustering`
06       ``06_churn``                            :mod:`helpers.exercises.churn`
07       ``07_subscriptions``                    :mod:`helpers.exercises.subscriptions`
08       ``08_clv_models``                       :mod:`helpers.exercises.clv`
09       ``09_profiling``                        :mod:`helpers.exercises.profiling`
10       ``10_recommendation``                   :mod:`helpers.exercises.recommendation`
11       ``11_strategy``                         :mod:`helpers.exercises.strategy`
12       ``12_customer_value_report``            :mod:`helpers.exercises.report`
13       ``13_at_scale``                         :mod:`helpers.exercises.scale`
=======  ======================================  =========================================

Reference computations that several topics share (the default analysis date, recency, the
standard RFM segments) are public functions of :mod:`helpers.exercises.reference`; an
exercise module imports no other module's private names. ``tests/test_exercises.py`` checks
that no exercise module imports the ``helpers`` modules its chapter teaches.

Adding a chapter's exercises: write a module here named for the chapter's topic (the name of
the ``helpers`` module it teaches, where there is one), with one function per exercise,
decorated with :func:`exercise` (id ``"NN.M"``, one-line question, hint, tolerance) and
computing the answer without the helper under practice; import it below and add it, with the
helpers modules it must not import, to ``FORBIDDEN`` in ``tests/test_exercises.py``. Then add
to the chapter's notebook a solution cell tagged ``solution`` that ends by setting an answer
variable, followed by a cell ``exercises.check("NN.M", answer_variable, data=clean)``.
"""

from helpers.exercises import (  # noqa: F401 - registers them
    churn,
    cleaning,
    clustering,
    clv,
    datasets,
    profiling,
    recommendation,
    report,
    rfm,
    scale,
    strategy,
    subscriptions,
    tiers,
    value_formulas,
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
