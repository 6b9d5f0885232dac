"""The HTTP side of ``tcpscope serve``: a JSON API over :class:`~tcpscope.web.session.Session`
and the static page, in one Starlette application (run by uvicorn, ``tcpscope.cli.serve``).

The routes and their answers are described in :mod:`tcpscope.web.openapi` (served at
``/api/openapi.json``). Captures are named by number: those given on the command line
first, then each upload; no request names a file. An upload is the capture's bytes as
the request's body, at most ``max_upload`` bytes, written to a private temporary
directory; the last :data:`KEEP_UPLOADS` are kept.

What every answer carries (:class:`_Headers`): a Content-Security-Policy that allows
scripts, styles and images from this server only (no inline script or style, no
``eval``, no frames, no plugins), ``nosniff``, no referrer, no framing, and ``no-store``
for the API. A request for a host other than the one bound (or ``localhost``) is refused,
so that a web page elsewhere cannot reach the server by DNS rebinding.

A bad request is a 4xx answer whose JSON body is ``{"error": message}``: an unknown
capture, frame or stream 404, a bad parameter or filter 400, a capture that cannot be
read 422, an upload too large 413.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tcpscope.errors import TcpscopeError
from tcpscope.web.openapi import openapi_document
from tcpscope.web.session import RequestError, Session, check_filter, colors

__all__ = ["CSP", "DEFAULT_MAX_UPLOAD", "KEEP_UPLOADS", "ROUTES", "STATIC", "Captures", "create_app", "first_piece_problem"]

STATIC = Path(__file__).resolve().parent / "static"
#: The largest upload taken by default (bytes).
DEFAULT_MAX_UPLOAD = 64 * 1024 * 1024
#: Uploaded captures kept at once; an older one is forgotten and its file removed.
KEEP_UPLOADS = 4

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Headers:
    """ASGI middleware: the security headers on every answer, ``no-store`` on the API's."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _HEADERS
                if api:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Captures:
    """The sessions the server holds, by number, and the uploads' directory."""

    def __init__(self, paths: list[Path], max_upload: int, live: Sequence[Session] = ()) -> None:
        self.max_upload = max_upload
        self.sessions: dict[int, Session] = {}
        self.uploads: list[int] = []
        self._next = 0
        self._dir: Path | None = None
        for path in paths:
            self.add(path, path.name)
        for session in live:
            self.hold(session)

    def add(self, path: Path, name: str) -> int:
        return self.hold(Session(path, name))

    def hold(self, session: Session) -> int:
        """Number and start a session (a file's, or a live capture's: ``web.live``)."""
        number = self._next
        self._next += 1
        self.sessions[number] = session
        session.start()
        return number

    def upload_dir(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="tcpscope-serve-"))
        return self._dir

    def forget_old_uploads(self) -> None:
        while len(self.uploads) > KEEP_UPLOADS:
            old = self.uploads.pop(0)
            session = self.sessions.pop(old)
            session.path.unlink(missing_ok=True)

    def get(self, request: Request) -> Session:
        number = int(request.path_params["capture"])
        session = self.sessions.get(number)
        if session is None:
            raise RequestError(404, f"there is no capture {number}")
        return session

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def _int(request: Request, name: str, default: int | None = None, low: int = 0) -> int:
    """Query parameter ``name`` as an integer of at least ``low``; 400 when it is not one."""
    text = request.query_params.get(name)
    if text is None or text == "":
        if default is None:
            raise RequestError(400, f"{name} is required")
        return default
    if not text.isdigit() or len(text) > 18 or int(text) < low:
        raise RequestError(400, f"{name} must be an integer from {low}")
    return int(text)


def _text(request: Request, name: str) -> str:
    text = request.query_params.get(name, "")
    if len(text) > 4096:
        raise RequestError(400, f"{name} is too long")
    return text


def _stream(request: Request) -> int:
    return int(request.path_params["stream"])


def _captures(request: Request) -> Captures:
    captures: Captures = request.app.state.captures
    return captures


def _session(request: Request) -> Session:
    return _captures(request).get(request)


def captures_list(request: Request) -> JSONResponse:
    captures = _captures(request)
    return JSONResponse({"captures": [{"id": k, "name": s.name} for k, s in captures.sessions.items()],
                         "max_upload": captures.max_upload})


async def upload(request: Request) -> JSONResponse:
    """A capture's bytes as the body: written to the uploads' directory, at most
    ``max_upload`` of them, then its first piece read (a file that is not a capture is a
    422 at once, not a page that fails later)."""
    from starlette.concurrency import run_in_threadpool

    captures = _captures(request)
    limit = captures.max_upload
    too_large = RequestError(413, f"a capture of at most {limit} bytes can be uploaded")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise too_large
    name = Path(request.query_params.get("name", "") or "upload").name[:200] or "upload"
    target = Path(tempfile.mkstemp(dir=captures.upload_dir(), suffix=".cap")[1])
    size = 0
    try:
        with target.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                out.write(chunk)
        if size == 0:
            raise RequestError(400, "the upload is empty")
        problem = await run_in_threadpool(first_piece_problem, target)
        if problem is not None:
            raise RequestError(422, problem)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    number = captures.add(target, name)
    captures.uploads.append(number)
    captures.forget_old_uploads()
    return JSONResponse({"id": number, "name": name}, status_code=201)


def status(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).status())


def rows(request: Request) -> JSONResponse:
    session = _session(request)
    selected = _int(request, "selected", 0, low=0) or None
    page = session.page(_text(request, "filter"), _int(request, "offset", 0), _int(request, "limit", 100, 1),
                        selected)
    return JSONResponse(page)


def goto(request: Request) -> JSONResponse:
    session = _session(request)
    return JSONResponse({"row": session.position(_text(request, "filter"), _int(request, "frame", low=1))})


def check(request: Request) -> JSONResponse:
    got = check_filter(_text(request, "filter"))
    return JSONResponse({"ok": got.ok, "message": got.message, "start": got.start, "length": got.length})


def color_rules(request: Request) -> JSONResponse:
    return JSONResponse(colors())


def frame(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).frame(int(request.path_params["frame"])))


def connection(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).connection(_stream(request)))


def flow(request: Request) -> Response:
    return Response(_session(request).flow_svg(_stream(request)), media_type="image/svg+xml")


def graphs(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).graphs(_stream(request)))


def explain(request: Request) -> JSONResponse:
    lang = request.query_params.get("lang", "en")
    return JSONResponse({"lang": lang, "lines": _session(request).explain(_stream(request), lang)})


def follow(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).follow(_stream(request)))


def conversations(request: Request) -> JSONResponse:
    return JSONResponse(_session(request).conversations(_int(request, "offset", 0), _int(request, "limit", 100, 1)))


def expert(request: Request) -> JSONResponse:
    return JSONResponse({"entries": _session(request).expert()})


def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())


def index(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html")


async def request_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestError)
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def capture_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=422)


_CAPTURE = "/api/captures/{capture:int}"
_STREAM = _CAPTURE + "/streams/{stream:int}"
#: The routes; the API's are described in :mod:`tcpscope.web.openapi`.
ROUTES = [
    Route("/", index),
    Route("/api/openapi.json", openapi),
    Route("/api/captures", captures_list),
    Route("/api/captures", upload, methods=["POST"]),
    Route("/api/filter/check", check),
    Route("/api/colors", color_rules),
    Route(_CAPTURE + "/status", status),
    Route(_CAPTURE + "/rows", rows),
    Route(_CAPTURE + "/goto", goto),
    Route(_CAPTURE + "/frames/{frame:int}", frame),
    Route(_CAPTURE + "/conversations", conversations),
    Route(_CAPTURE + "/expert", expert),
    Route(_STREAM, connection),
    Route(_STREAM + "/flow.svg", flow),
    Route(_STREAM + "/explain", explain),
    Route(_STREAM + "/graphs", graphs),
    Route(_STREAM + "/follow", follow),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(paths: list[Path], max_upload: int = DEFAULT_MAX_UPLOAD, hosts: list[str] | None = None,
               live: Sequence[Session] = ()) -> Starlette:
    """The application serving ``paths`` (numbered from 0), then the ``live`` sessions,
    and taking uploads of at most ``max_upload`` bytes; ``hosts``: the Host names it
    answers (default: the loopback names; ``["*"]`` for any)."""
    captures = Captures(paths, max_upload, live)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        captures.close()

    middleware = [Middleware(_Headers),  # type: ignore[arg-type]  # a plain ASGI class, as Starlette allows
                  Middleware(TrustedHostMiddleware, allowed_hosts=hosts or ["127.0.0.1", "localhost", "[::1]"])]
    app = Starlette(routes=ROUTES, middleware=middleware, lifespan=lifespan,
                    exception_handlers={RequestError: request_error, HTTPException: http_error,
                                        TcpscopeError: capture_error})
    app.state.captures = captures
    return app


def first_piece_problem(path: Path) -> str | None:
    """Why a file is not a capture tcpscope reads (its first piece read), or None."""
    import tcpscope

    try:
        for _piece in tcpscope.scan(path, ["frame.number"], analyze=False):
            break
    except TcpscopeError as exc:
        return str(exc)
    return None
