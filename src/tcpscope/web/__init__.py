"""``tcpscope serve``: the browser UI, a JSON API and a static page in one local server.

:mod:`tcpscope.web.session` holds a capture and answers for it through the Python API;
:mod:`tcpscope.web.app` is the Starlette application around it (routes, upload, security
headers); :mod:`tcpscope.web.openapi` describes the API; ``static/`` is the page (plain
ES modules, no build step). Starlette and uvicorn are the ``web`` extra
(``pip install tcpscope[web]``); nothing here is imported by the other commands.
"""

from __future__ import annotations

__all__: list[str] = []
