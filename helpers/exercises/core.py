"""The machinery of the exercise checks: the registry, the comparison and the messages.

An exercise is registered with :func:`exercise`, which decorates a **reference computation**:
a short function that computes the expected answer from the course's default data (the
embedded synthetic dataset, loaded by :func:`default_raw` and :func:`default_clean`). The
reference is written independently of the helper that the chapter teaches (plain pandas,
numpy, scipy or scikit-learn), so that a check can catch a bug in ``helpers`` as well as in the
learner's code. It runs the first time the exercise is checked, and its value is cached.

:func:`check` compares an answer with the expected value within the exercise's tolerance and
returns a :class:`CheckResult` whose text is "correct", "not yet" with a hint (never the
answer), or "cannot check" when the answer was computed on other data: the checks know the
answers on the default data only.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = [
    "CheckResult",
    "Exercise",
    "check",
    "default_clean",
    "default_raw",
    "default_shop",
    "default_totals",
    "exercise",
    "exercise_ids",
    "expected_answer",
    "fingerprint",
    "get_exercise",
]

Status = Literal["correct", "not yet", "cannot check"]
#: The statuses, as messages (a verdict is shown in the current language).
_STATUSES = (N_("correct"), N_("not yet"), N_("cannot check"))

#: The dataset name that the checks know (a notebook's default ``DATASET``).
DEFAULT_DATASET = "synthetic"

UNKNOWN_DATA = N_(
    "This check only knows the answer on the course's default data (the embedded synthetic "
    "dataset with the chapter's default parameters), and your answer was computed on other "
    "data. Run the notebook on its defaults to check it, or compare with the solution."
)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id, a one-line question, a hint and its reference computation.

    Attributes
    ----------
    id : str
        ``"CC.N"``: the chapter's two digits and the exercise's number in the chapter.
    question : str
        What is asked, in one line (for listings; the notebook holds the full prompt).
    hint : str
        Shown when an answer is not yet right; it points the way without giving the answer.
    reference : callable
        Computes the expected answer from the default data, without arguments.
    rel, abs : float
        Relative and absolute tolerance for numbers (both 0: numbers must be equal).
    normalise : callable, optional
        Applied to the learner's answer before comparing (e.g. a month to ``"YYYY-MM"``).
    """

    id: str
    question: str
    hint: str
    reference: Callable[[], Any]
    rel: float = 0.0
    abs: float = 0.0
    normalise: Callable[[Any], Any] | None = None

    @property
    def chapter(self) -> str:
        """The chapter's two digits, e.g. ``"03"``."""
        return self.id.split(".")[0]


_REGISTRY: dict[str, Exercise] = {}


def exercise(
    exercise_id: str,
    question: str,
    hint: str,
    *,
    rel: float = 0.0,
    abs: float = 0.0,  # noqa: A002 - the tolerance's usual name, as in math.isclose
    normalise: Callable[[Any], Any] | None = None,
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the decorated reference computation as exercise ``exercise_id``.

    Parameters
    ----------
    exercise_id : str
        ``"CC.N"``, unique.
    question : str
        The question in one line.
    hint : str
        What to look at when the answer is not yet right (never the answer itself).
    rel, abs : float, default 0
        Tolerances for numbers, as in :func:`math.isclose`.
    normalise : callable, optional
        Turns the learner's answer into the reference's form before comparing.

    Returns
    -------
    callable
        The decorator; it returns the reference function unchanged.

    Raises
    ------
    ValueError
        If the id is malformed or already registered.
    """
    chapter, _, number = exercise_id.partition(".")
    if not (len(chapter) == 2 and chapter.isdigit() and number.isdigit()):
        raise ValueError(f"exercise ids look like '03.1', got {exercise_id!r}")

    def register(reference: Callable[[], Any]) -> Callable[[], Any]:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id} is registered twice")
        _REGISTRY[exercise_id] = Exercise(
            exercise_id, question, hint, reference, rel=rel, abs=abs, normalise=normalise
        )
        return reference

    return register


def exercise_ids(chapter: str | None = None) -> list[str]:
    """List the registered exercise ids in course order, optionally of one chapter (``"03"``)."""
    ids = sorted(_REGISTRY, key=lambda i: tuple(int(part) for part in i.split(".")))
    return [i for i in ids if chapter is None or i.startswith(f"{chapter}.")]


def get_exercise(exercise_id: str) -> Exercise:
    """Return the exercise registered under ``exercise_id``.

    Raises
    ------
    KeyError
        If there is no such exercise; the message lists the chapter's exercises.
    """
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        known = exercise_ids(str(exercise_id).split(".")[0]) or exercise_ids()
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(known)}") from None


@cache
def expected_answer(exercise_id: str) -> Any:
    """Compute an exercise's expected answer from the default data (once, then cached)."""
    return get_exercise(exercise_id).reference()


# --- the default data ------------------------------------------------------------------------


@cache
def default_shop():
    """Load the embedded synthetic dataset (:func:`helpers.datasets.load_synthetic`) once."""
    from helpers.datasets import load_synthetic

    return load_synthetic()


def default_raw() -> pd.DataFrame:
    """Return the default raw order lines, as chapters 00 and 01 load them."""
    return default_shop().order_lines


@cache
def default_clean() -> pd.DataFrame:
    """Return the default clean order lines, which every chapter from 02 on starts from."""
    from helpers.datasets import load_clean_transactions

    return load_clean_transactions("synthetic")[0]


@cache
def default_totals() -> pd.DataFrame:
    """Per customer of the default clean lines: distinct ``invoices`` and total ``spend``."""
    by_customer = default_clean().groupby("customer_id")
    return pd.DataFrame(
        {"invoices": by_customer["invoice_id"].nunique(), "spend": by_customer["amount"].sum()}
    )


def fingerprint(lines: pd.DataFrame) -> tuple[int, int]:
    """Fingerprint order lines: their number and a hash of their canonical columns.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines, raw or clean; columns other than the canonical ones (``helpers.schema``)
        are ignored, so a chapter may add its own.

    Returns
    -------
    tuple of int
        ``(rows, hash)``; equal for equal tables in the same environment.
    """
    columns = [c for c in (*s.TRANSACTION_COLUMNS, s.AMOUNT) if c in lines.columns]
    hashed = pd.util.hash_pandas_object(lines[columns], index=False)
    return len(lines), int(hashed.sum())


@cache
def _default_fingerprints() -> frozenset[tuple[int, int]]:
    return frozenset({fingerprint(default_raw()), fingerprint(default_clean())})


def _is_default(data: pd.DataFrame | str | None) -> bool:
    if data is None:
        return True
    if isinstance(data, str):
        return data == DEFAULT_DATASET
    if isinstance(data, pd.DataFrame):
        return fingerprint(data) in _default_fingerprints()
    raise TypeError(f"data= takes the order lines or the dataset's name, got {type(data).__name__}")


# --- comparing -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Convert numpy and pandas scalars to Python ones, a Series to a dict, an array to a list."""
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _kind(value: Any) -> str:
    """Say the kind of answer an exercise expects, in words (in the current language)."""
    if isinstance(value, bool):
        return _("True or False")
    if isinstance(value, numbers.Real):
        return _("a number")
    if isinstance(value, str):
        return _("a text")
    if isinstance(value, Mapping):
        return _("a dict (or Series)")
    if isinstance(value, frozenset):
        return _("a set of labels (any order)")
    return _("a sequence of {n} values").format(n=len(value))


def _same_kind(answer: Any, expected: Any) -> bool:
    """Whether an answer is of the expected kind (then only its value is wrong)."""
    answer = _plain(answer)
    if isinstance(expected, bool) or isinstance(answer, bool):
        return isinstance(expected, bool) and isinstance(answer, bool)
    if isinstance(expected, numbers.Real):
        return isinstance(answer, numbers.Real)
    if isinstance(expected, str):
        return isinstance(answer, str)
    if isinstance(expected, Mapping):
        return isinstance(answer, Mapping)
    if isinstance(expected, frozenset):
        return isinstance(answer, set | frozenset | list | tuple)
    return isinstance(answer, list | tuple) and len(answer) == len(expected)


def _matches(answer: Any, expected: Any, rel: float, abs_tol: float) -> bool:
    answer = _plain(answer)
    if isinstance(expected, bool):
        return isinstance(answer, bool) and answer == expected
    if isinstance(expected, numbers.Real):
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            return False
        return math.isclose(float(answer), float(expected), rel_tol=rel, abs_tol=abs_tol)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().casefold() == expected.casefold()
    if isinstance(expected, Mapping):
        if not isinstance(answer, Mapping):
            return False
        answer = {str(k): v for k, v in answer.items()}
        return set(answer) == {str(k) for k in expected} and all(
            _matches(answer[str(k)], v, rel, abs_tol) for k, v in expected.items()
        )
    if isinstance(expected, frozenset):
        if isinstance(answer, str) or not isinstance(answer, Iterable):
            return False
        return {str(_plain(a)).strip() for a in answer} == {str(e) for e in expected}
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return False
    answer = list(answer)
    return len(answer) == len(expected) and all(
        _matches(a, e, rel, abs_tol) for a, e in zip(answer, expected, strict=True)
    )


@dataclass(frozen=True)
class CheckResult:
    """The verdict of :func:`check`; true when the answer is correct.

    Attributes
    ----------
    exercise_id : str
        The exercise checked.
    status : {"correct", "not yet", "cannot check"}
        The verdict.
    message : str
        What to do next (a hint, or why the answer cannot be checked), in the language of
        :mod:`helpers.translation` when the check ran.
    """

    exercise_id: str
    status: Status
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        status = _(self.status)  # the statuses are messages: see _STATUSES
        return (
            _("Exercise {id}: {status}. {message}")
            .format(id=self.exercise_id, status=status, message=self.message)
            .rstrip()
        )

    def __repr__(self) -> str:
        return str(self)


def check(exercise_id: str, answer: Any, data: pd.DataFrame | str | None = None) -> CheckResult:
    """Check an answer to an exercise: "correct", or "not yet" with a hint.

    Parameters
    ----------
    exercise_id : str
        The exercise, e.g. ``"03.1"``.
    answer : object
        Your answer: a number, a text, a list, a set, a dict or a pandas Series, as the exercise
        asks. ``...`` (the student edition's placeholder) is "not yet".
    data : pandas.DataFrame or str, optional
        The order lines your answer was computed from (raw or clean), or the notebook's
        ``DATASET``. When they are not the course's default data the check cannot know the
        answer and says so, whatever the answer.

    Returns
    -------
    CheckResult
        Displayed as one line in a notebook; ``bool(result)`` is True when correct.

    Raises
    ------
    KeyError
        If there is no exercise ``exercise_id``.
    """
    item = get_exercise(exercise_id)
    hint = _(item.hint)
    if not _is_default(data):
        return CheckResult(exercise_id, "cannot check", _(UNKNOWN_DATA))
    if answer is Ellipsis or answer is None:
        return CheckResult(
            exercise_id,
            "not yet",
            _("Replace the `...` with your answer. Hint: {hint}").format(hint=hint),
        )
    expected = expected_answer(exercise_id)
    given = answer
    try:
        given = item.normalise(answer) if item.normalise is not None else answer
        correct = _matches(given, expected, item.rel, item.abs)
    except (TypeError, ValueError):
        correct = False
    if correct:
        return CheckResult(exercise_id, "correct", _("Well done."))
    if _same_kind(given, expected):
        return CheckResult(
            exercise_id, "not yet", _("Not this value. Hint: {hint}").format(hint=hint)
        )
    return CheckResult(
        exercise_id,
        "not yet",
        _("The answer should be {kind}. Hint: {hint}").format(kind=_kind(expected), hint=hint),
    )
