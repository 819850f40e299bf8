"""Customer Value Lab helpers."""

from __future__ import annotations

__all__ = ["package_version"]


def package_version() -> str:
    """Return the installed version of the customer-value-lab package ("unknown" if none).

    Returns
    -------
    str
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-value-lab")
    except PackageNotFoundError:
        return "unknown"
