"""Serve MathJax from the book itself: the copy that the sphinx-mathjax-offline package ships.

The package's own extension does the same but does not declare itself safe for parallel
reading, which makes Sphinx read every page in one process; this one does.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.fileutil import copy_asset


def _mathjax_folder() -> Path:
    spec = find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("sphinx-mathjax-offline is not installed (pip install it)")
    return Path(spec.origin).parent / "static" / "mathjax"


def _copy(app: Sphinx, error: Exception | None) -> None:
    if error is None and app.builder.format == "html":
        copy_asset(str(_mathjax_folder()), str(Path(app.outdir) / "_static" / "mathjax"))


def setup(app: Sphinx) -> dict[str, Any]:
    """Point Sphinx's MathJax at the book's ``_static/mathjax`` and copy it there."""
    _mathjax_folder()  # fail early when the package is missing
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
