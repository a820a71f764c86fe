"""The registry's web catalogue: server-rendered HTML pages at ``/`` (search, server pages, install snippets).

Everything works without JavaScript; with it, the search box shows results as you type (``static/catalogue.js``
fetches the ``/_catalogue/results`` fragment) and snippets get a copy button.
"""

from __future__ import annotations

from mcpship.registry.web.routes import web_routes

__all__ = ["web_routes"]
