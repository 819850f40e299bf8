"""The English and the Chinese book link to each other, page by page.

Both editions have the same pages, built into sibling folders (``build/site`` and
``build/site-zh``). With ``edition_other_root`` set (the other edition's root, relative to this
one's, e.g. ``../site-zh/``) every page starts with a link to the same page of the other edition,
labelled ``edition_other_label`` ("中文版", "English").
"""

from __future__ import annotations

from html import escape

from sphinx.application import Sphinx


def _link(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    root = app.config.edition_other_root
    if not root or "body" not in context:
        return
    up = "../" * pagename.count("/")
    href = f"{up}{root.rstrip('/')}/{pagename}.html"
    label = escape(app.config.edition_other_label)
    lang = "zh-Hans" if app.config.language in ("en", None) else "en"
    context["body"] = (
        f'<p class="edition-link"><a href="{escape(href)}" hreflang="{lang}" lang="{lang}">'
        f"{label}</a></p>\n" + context["body"]
    )


def setup(app: Sphinx) -> dict[str, object]:
    """Register the two settings and the page hook."""
    app.add_config_value("edition_other_root", "", "html")
    app.add_config_value("edition_other_label", "", "html")
    app.connect("html-page-context", _link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
