"""HTTP requests → files of the preview site, plus the live-reload channel. Never outside the site.

A ThreadingHTTPServer so a slow reader or an open event stream never blocks the others.
Only GET and HEAD; anything that does not resolve to a regular file inside the site folder
(`..`, encoded dots, backslashes, symlinks out, dotfiles) is a 404.
"""

from __future__ import annotations

import json
import mimetypes
import sys
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .preview import Preview

EVENTS_PATH = "/__karpwiki/events"
SCRIPT_PATH = "/__karpwiki/live.js"
LIVE_SCRIPT = files("karpwiki.serve").joinpath("live.js").read_bytes()
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
}
KEEPALIVE_SECONDS = 15.0
IDLE_TIMEOUT_SECONDS = 30.0  # a connection that sends nothing is closed (slowloris)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # open event streams must not hold up Ctrl-C
    request_queue_size = 128  # a burst of connections waits instead of being refused
    allow_reuse_address = False  # a busy port must be an error, not a second server

    def __init__(self, address: tuple[str, int], preview: Preview):
        self.preview = preview
        self.site_root = preview.site_dir.resolve()
        self.stopping = False
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """A reader that went away mid-request is normal; anything else is one line, not a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"karpwiki: request from {client_address[0]} failed: {type(error).__name__}: {error}", file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "karpwiki"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def _not_allowed(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", "text/plain; charset=utf-8", True, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal is for rebuilds and findings, not for every request

    def _respond(self, include_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            return self._stream_events() if include_body else self._send(HTTPStatus.OK, b"", "text/event-stream", False)
        if path == SCRIPT_PATH:
            return self._send(HTTPStatus.OK, LIVE_SCRIPT, CONTENT_TYPES[".js"], include_body)
        found = self._inside_site(path)
        if found is not None and found.is_dir():
            if not path.endswith("/"):
                return self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", include_body, {"Location": path + "/"})
            found = self._inside_site(path + "index.html")
        if found is None or not found.is_file():
            return self._not_found(include_body)
        data = found.read_bytes()
        content_type = CONTENT_TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if found.suffix == ".html":
            data = self._with_live_script(data)
        self._send(HTTPStatus.OK, data, content_type, include_body)

    def _inside_site(self, url_path: str) -> Path | None:
        """The file or folder inside the site folder that a URL path names, or None."""
        decoded = unquote(url_path)
        if "\\" in decoded or "\0" in decoded:
            return None
        parts = [part for part in decoded.split("/") if part not in ("", ".")]
        if any(part == ".." or part.startswith(".") for part in parts):
            return None
        try:
            real = self.server.site_root.joinpath(*parts).resolve()
            if not real.is_relative_to(self.server.site_root) or not real.exists():
                return None
        except (OSError, ValueError):
            return None
        return real

    def _not_found(self, include_body: bool) -> None:
        page = self._inside_site("/404.html")
        body = page.read_bytes() if page and page.is_file() else b"<!doctype html><title>Not found</title><h1>Not found</h1><p>No page here; it may have been renamed or deleted.</p></body>"
        self._send(HTTPStatus.NOT_FOUND, self._with_live_script(body), CONTENT_TYPES[".html"], include_body)

    def _with_live_script(self, html: bytes) -> bytes:
        version = self.server.preview.state.version
        tag = f'<script src="{SCRIPT_PATH}" data-version="{version}"></script>'.encode()
        position = html.rfind(b"</body>")
        return html[:position] + tag + html[position:] if position >= 0 else html + tag

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, include_body: bool, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def _stream_events(self) -> None:
        """Server-sent events: the state now, then each rebuild as it is announced."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        preview = self.server.preview
        state = preview.state
        try:
            self.wfile.write(b"retry: 300\n" + _event(state))
            self.wfile.flush()
            while not self.server.stopping:
                news = preview.wait_for_news(state.version, KEEPALIVE_SECONDS)
                self.wfile.write(_event(news) if news.version > state.version else b": keepalive\n\n")
                self.wfile.flush()
                state = news
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass


def _event(state) -> bytes:
    return b"data: " + json.dumps(asdict(state)).encode() + b"\n\n"
