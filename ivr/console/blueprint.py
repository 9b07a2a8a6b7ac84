"""The console's one blueprint: every page module attaches its routes to `console`.

Kept apart from the package's __init__ so a page module can import it without importing every other page.
"""

from __future__ import annotations

from flask import Blueprint

console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                    static_folder="static")
