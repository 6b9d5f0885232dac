"""The OpenAPI 3.1 document of ``tcpscope serve``'s JSON API (served at ``/api/openapi.json``).

Written out here rather than generated: the routes are few, and each one's parameters and
answers are said once, where a reader of the API looks (``tests/web/test_web_api.py`` checks
that every route of :func:`tcpscope.web.app.create_app` is here and nothing else).
"""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_CAPTURE = {"name": "capture", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0},
            "description": "the capture's number: those on the command line from 0, then each upload"}
_STREAM = {"name": "stream", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0},
           "description": "tcp.stream"}
_FILTER = {"name": "filter", "in": "query", "schema": {"type": "string", "maxLength": 4096},
           "description": "a display filter in Wireshark's language (empty: every frame)"}


def _page(default: int) -> list[dict[str, Any]]:
    return [{"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000,
                                                        "default": default}}]


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_ERRORS = {"400": _json("a bad parameter or display filter", _ERROR),
           "404": _json("no such capture, frame or stream (Wireshark's words for a frame)", _ERROR),
           "422": _json("the capture cannot be read", _ERROR)}


def _get(summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "responses": {"200": ok, **_ERRORS}}}


def openapi_document() -> dict[str, Any]:
    """The document, a fresh dict each time."""
    rows = {"type": "object", "properties": {
        "offset": {"type": "integer"}, "total": {"type": "integer", "description": "rows shown so far"},
        "complete": {"type": "boolean", "description": "whether total counts every row"},
        "rows": {"type": "array", "items": {"type": "array", "description":
                 "No., Time, Source, Destination, Protocol, Length, Info, the colouring rule (an index into "
                 "/api/colors' rules, -1 for none); with selected: the row's place on the "
                 "conversation line (0 none, 1 first, 2 member, 3 bypass, 4 last) and its mark (-1 none, 0 other "
                 "link, 1 request, 2 response, 3 ack, 4 duplicate ack, 5 previous, 6 next transmission)"}}}}
    paths: dict[str, Any] = {
        "/api/captures": {
            **_get("the captures the server holds", [], _json("their numbers and names")),
            "post": {"summary": "upload a capture (its bytes as the body; at most max_upload bytes)",
                     "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"},
                                     "description": "the name shown for it"}],
                     "requestBody": {"required": True,
                                     "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                           "format": "binary"}}}},
                     "responses": {"201": _json("its number and name"), "400": _json("empty", _ERROR),
                                   "413": _json("too large", _ERROR), "422": _json("not a capture", _ERROR)}},
        },
        "/api/filter/check": _get("check a display filter (the filter bar's colour)", [_FILTER],
                                  _json("ok, else tshark's message and the caret's byte offset and length")),
        "/api/colors": _get("Wireshark's colouring rules, in order", [],
                            _json("rules (name, filter, fg, bg, enabled, disabled_because) and a note")),
        "/api/captures/{capture}/status": _get("how far the capture is read", [_CAPTURE],
                                               _json("rows listed, total frames, analysed, error")),
        "/api/captures/{capture}/rows": _get(
            "a page of the packet list", [_CAPTURE, _FILTER, *_page(100),
                                          {"name": "selected", "in": "query", "schema": {"type": "integer"},
                                           "description": "the selected frame number: add each row's margin"}],
            _json("the rows", rows)),
        "/api/captures/{capture}/goto": _get(
            "the row showing a frame number (Go to packet)",
            [_CAPTURE, _FILTER, {"name": "frame", "in": "query", "required": True, "schema": {"type": "integer"}}],
            _json("row")),
        "/api/captures/{capture}/frames/{frame}": _get(
            "one frame: its details tree, its bytes and its tcp.stream",
            [_CAPTURE, {"name": "frame", "in": "path", "required": True, "schema": {"type": "integer"}}],
            _json("tree (label, children), bytes (name, hex), stream")),
        "/api/captures/{capture}/conversations": _get("the TCP conversations (tshark's order)",
                                                      [_CAPTURE, *_page(100)], _json("rows of named columns")),
        "/api/captures/{capture}/expert": _get("the expert summary", [_CAPTURE],
                                               _json("entries, each with the filter selecting its frames")),
        "/api/captures/{capture}/streams/{stream}": _get(
            "one connection's conversation row, Zeek's conn_state and history among its columns",
            [_CAPTURE, _STREAM], _json("the row")),
        "/api/captures/{capture}/streams/{stream}/flow.svg": _get(
            "the connection's flow graph", [_CAPTURE, _STREAM],
            {"description": "an SVG picture", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}),
        "/api/captures/{capture}/streams/{stream}/explain": _get(
            "the connection told step by step (tcpscope explain)",
            [_CAPTURE, _STREAM, {"name": "lang", "in": "query", "schema": {"enum": ["en", "zh"], "default": "en"}}],
            _json("lines")),
        "/api/captures/{capture}/streams/{stream}/graphs": _get(
            "the connection's stream graphs: time-sequence, throughput, RTT and window over time",
            [_CAPTURE, _STREAM], _json("sender, receiver; tseq, rtt, window, throughput: each t (s), frames "
                                       "and series aligned on t (null: no point)")),
        "/api/captures/{capture}/streams/{stream}/follow": _get(
            "Follow TCP Stream", [_CAPTURE, _STREAM], _json("nodes, chunks (node, frame, text), truncated")),
        "/api/openapi.json": _get("this document", [], _json("OpenAPI 3.1")),
    }
    return {"openapi": "3.1.0",
            "info": {"title": "tcpscope serve", "version": "1",
                     "description": "The browser UI's API: pages of the packet list and what a frame or a "
                                    "connection shows, over tcpscope's Python API."},
            "paths": paths}
