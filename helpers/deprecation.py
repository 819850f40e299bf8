"""Renamed arguments: the old name still works for one release, with a ``FutureWarning``.

:func:`renamed_arguments` decorates a function whose keyword arguments were renamed (for the
one column convention, ``customer_id=`` became ``customer_col=``; for the one date convention,
``cutoff=`` became ``as_of=``). A call with an old name is passed on under the new one, after
an optional conversion (an inclusive last day becomes the exclusive ``as_of`` after it), and
warns once per call site. A call that gives both names is refused.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from helpers.dates import day_after

F = TypeVar("F", bound=Callable[..., Any])

#: The release that removes the old names.
REMOVED_IN = "0.2"

#: The old keyword names of the order lines' columns and their ``*_col`` names (release 0.2):
#: ``@renamed_arguments(**LINE_COLUMN_RENAMES)`` accepts those of them the function takes.
LINE_COLUMN_RENAMES: dict[str, str] = {
    "customer_id": "customer_col",
    "invoice_id": "invoice_col",
    "invoice_date": "date_col",
    "product_id": "product_col",
    "quantity": "quantity_col",
    "unit_price": "price_col",
    "amount": "amount_col",
    "description": "description_col",
    "country": "country_col",
}


def renamed_arguments(**renames: str | tuple[str, Callable[[Any], Any]]) -> Callable[[F], F]:
    """Accept old keyword names of a function, warning that they were renamed.

    Parameters
    ----------
    **renames : str or (str, callable)
        ``old_name="new_name"``, or ``old_name=("new_name", convert)`` when the value changes
        meaning too (``convert`` turns an old value into a new one). A rename whose new name
        the function does not take is left out (so one table of renames serves many
        functions, e.g. :data:`LINE_COLUMN_RENAMES`).

    Returns
    -------
    callable
        A decorator. The decorated function keeps its signature and docstring; its
        ``__renamed_arguments__`` maps old names to new ones.

    Examples
    --------
    >>> import warnings
    >>> @renamed_arguments(customer_id="customer_col")
    ... def count(rows, *, customer_col="customer_id"):
    ...     return customer_col
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     count([], customer_id="client")
    'client'
    >>> caught[0].category.__name__, "'customer_col'" in str(caught[0].message)
    ('FutureWarning', True)
    """
    table = {old: (new, None) if isinstance(new, str) else new for old, new in renames.items()}

    def decorate(func: F) -> F:
        takes = inspect.signature(func).parameters
        anything = any(p.kind is p.VAR_KEYWORD for p in takes.values())  # **settings
        mine = {old: rename for old, rename in table.items() if anything or rename[0] in takes}

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old in mine.keys() & kwargs.keys():
                new, convert = mine[old]
                if new in kwargs:
                    raise TypeError(
                        f"{_name(func)}() got both {old!r} and {new!r}; {old!r} is the old "
                        f"name of {new!r}: pass only {new!r}"
                    )
                warnings.warn(
                    f"{_name(func)}: the argument {old!r} is now called {new!r}"
                    + (" (with the new meaning; see the docstring)" if convert else "")
                    + f"; the old name will be removed in release {REMOVED_IN}",
                    FutureWarning,
                    stacklevel=2,
                )
                value = kwargs.pop(old)
                kwargs[new] = convert(value) if convert is not None and value is not None else value
            return func(*args, **kwargs)

        wrapper.__renamed_arguments__ = {old: new for old, (new, _) in mine.items()}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _name(func: Callable[..., Any]) -> str:
    """Name a function for a message: ``Class`` for a constructor, else its qualified name."""
    qualname = getattr(func, "__qualname__", func.__name__).rpartition("<locals>.")[2]
    return qualname.removesuffix(".__init__")


def positional_last_day(func: str, old: str, value: object, new: str, given: object) -> object:
    """Read a date passed by position in the slot of an old inclusive last-day argument.

    For the functions whose positional ``old`` (a last day, inclusive) became the keyword
    ``new`` (exclusive, the day after): ``value`` is what came by position, ``given`` the new
    keyword's value. A positional date warns (FutureWarning) and becomes the day after it,
    so an old call keeps its meaning; both at once are refused.

    Parameters
    ----------
    func : str
        The function's name, for the messages.
    old, new : str
        The old positional argument's name and the new keyword's.
    value : date or None
        What came by position (None: nothing).
    given : date or None
        The new keyword's value.

    Returns
    -------
    date or None
        ``given``, or the day after ``value``.

    Raises
    ------
    TypeError
        If both a positional date and the new keyword were given.
    """
    if value is None:
        return given
    if given is not None:
        raise TypeError(f"{func}() got {old!r} by position and {new!r}: pass only {new!r}")
    warnings.warn(
        f"{func}: the date passed by position is the old {old!r} (a last day, inclusive); "
        f"pass {new}= by keyword instead, the day after it (exclusive: lines dated before "
        f"{new} are used); the positional form will be removed in release {REMOVED_IN}",
        FutureWarning,
        stacklevel=3,
    )
    return day_after(value, old)
