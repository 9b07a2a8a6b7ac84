"""The console's one blueprint: every page module attaches its routes to `console`.

Kept apart from the package's __init__ so a page module can import it without importing every other page;
page_url is here for the same reason: a page links to another only when that page's module is installed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, url_for

console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                    static_folder="static")


def page_url(endpoint: str, **values: Any) -> str | None:
    """A link to another console page, or None when this build does not have that page."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None
