"""Renderings of the report document (:mod:`aiqm.report`): HTML, PDF, JUnit XML, Markdown.

``render_html`` renders a report as one self-contained HTML page;
``render_pdf`` prints that page through WeasyPrint; ``render_junit`` and
``render_markdown`` write the CI formats, ``render_comparison_markdown`` a run
comparison. ``t`` looks up UI strings in the message catalogues (en, ja).
Renderers read the report document only: they know nothing of runs or stores.
"""

from __future__ import annotations

from aiqm.render.html import render_html
from aiqm.render.i18n import t
from aiqm.render.junit import render_junit
from aiqm.render.markdown import render_comparison_markdown, render_markdown
from aiqm.render.pdf import render_pdf

__all__ = [
    "render_comparison_markdown",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_pdf",
    "t",
]
