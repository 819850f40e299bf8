"""Sphinx configuration of the course book (``scripts/build_book.py`` assembles its sources).

The book is built offline: myst-nb reads the chapters' committed or freshly executed outputs
(it executes nothing), MathJax is served from the book's own ``_static`` folder
(sphinx-mathjax-offline), the search index is a local script, and no asset comes from the
internet. References to the project's own names (``helpers.…``) must resolve: the build runs
nitpicky and fails on a broken one; other libraries' names are not checked (no intersphinx,
which would need the network).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "Customer Value Lab"
author = "Customer Value Lab"
copyright = "Customer Value Lab contributors"  # noqa: A001 (Sphinx's name)

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_togglebutton",
    "offline_mathjax",
    "reexports",
    "editions",
]

# the chapters and guides; the assembled source folder holds nothing else
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# notebooks: shown as executed, never run by the book
nb_execution_mode = "off"
nb_merge_streams = True
# the results the chapters record for their tests are not for readers
nb_mime_priority_overrides = [("html", "application/vnd.customer-value-lab.result+json", None)]

# Markdown: $...$ and $$...$$ are TeX, but "$5 and $10" is prose (no space or digit inside)
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_heading_anchors = 3

# API reference from the numpydoc docstrings
autosummary_generate = True
# a module's page: its docstring, then its public members (autodoc), then its submodules
templates_path = ["_templates"]
# each object documented once, in the module that defines it (not where it is re-exported)
autodoc_default_options = {"members": True, "undoc-members": True, "ignore-module-all": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
nitpicky = True
# only the project's own names must resolve; pandas, numpy, ... have no local inventory
nitpick_ignore_regex = [(r"py:.*", r"(?!helpers\.).*"), (r"py:.*", r".*\.(pd|np)\..*")]

# a chapter's outputs may hold Markdown headings of their own (the report's tables)
suppress_warnings = ["myst.header"]

html_theme = "sphinx_book_theme"
html_title = "Customer Value Lab"
html_static_path: list[str] = []
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False


def _skip_generated_sklearn_methods(app, what, name, obj, skip, options):  # noqa: ANN001, ANN202
    """scikit-learn adds ``set_fit_request`` and the like to every estimator: not ours."""
    if "RequestMethod" in getattr(obj, "__qualname__", ""):
        return True
    return skip


def setup(app):  # noqa: ANN001, ANN201
    """Hooks of the book's build."""
    app.connect("autodoc-skip-member", _skip_generated_sklearn_methods)
