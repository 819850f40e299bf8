"""Resolve references to names that ``helpers`` modules re-export to where they are defined.

``helpers.datasets.load_transactions`` is the name users call, but the API reference documents
each object once, in the module that defines it (``helpers.order_log``). When a reference to a
``helpers`` name finds nothing, this looks the object up and resolves the reference to its home
(``__module__`` and ``__qualname__``); a name that does not exist stays broken, and the build
(nitpicky) fails on it.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def find_object(name: str) -> tuple[str, list[str], Any] | None:
    """Find the object a dotted name reaches.

    Returns (the longest importable module, the attributes after it, the object), or None
    when the name reaches nothing.
    """
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute, None)
            if target is None:
                return None
        return ".".join(parts[:cut]), parts[cut:], target
    return None


def home_of(name: str) -> str | None:
    """Where the object called ``name`` (``helpers.a.b``) is defined, or None."""
    found = find_object(name)
    if found is None or not found[1]:
        return None
    target = found[2]
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if isinstance(module, str) and module.startswith("helpers") and qualname:
        return f"{module}.{qualname}"
    return None


def _resolve(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("helpers."):
        return None
    home = home_of(target)
    if home is None or home == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], home, node, contnode
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the resolver to Sphinx's ``missing-reference`` event."""
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
