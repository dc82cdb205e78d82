"""`karpwiki serve`: build into a private folder, serve it, rebuild what each save affects."""

from __future__ import annotations

import errno
import shutil
import signal
import tempfile
import threading
import time
import webbrowser
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from .preview import Preview
from .server import PreviewServer
from .watch import Watcher


def serve_wiki(config: Config, host: str, port: int, open_browser: bool, say=print) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); the temporary site folder is removed on the way out."""
    if not config.wiki.is_dir():
        raise UsageError(f"no such wiki directory: {config.wiki}")
    site_dir = Path(tempfile.mkdtemp(prefix="karpwiki-serve-"))
    server = watcher = None
    try:
        preview = Preview(config, site_dir)
        try:
            server = PreviewServer((host, port), preview)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        report = preview.build_everything()
        if report:
            say(report)

        def rebuild(changed: set[str], theme_changed: bool) -> None:
            report = preview.build_everything() if theme_changed else preview.rebuild(changed)
            if report:
                say(report)

        watcher = Watcher(config.wiki, config.templates, rebuild, preview.refresh_shared)
        watcher.start()
        bound_host, bound_port = server.server_address[:2]
        url = f"http://{'[' + bound_host + ']' if ':' in bound_host else bound_host}:{bound_port}/"
        say(f"serving {config.wiki} at {url} (Ctrl-C to stop)")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        _serve_until_signalled(server)
    finally:
        if server is not None:
            server.stopping = True
            server.server_close()
        if watcher is not None:
            watcher.stop()
        shutil.rmtree(site_dir, ignore_errors=True)


def _serve_until_signalled(server: PreviewServer) -> None:
    """Serve on a thread until SIGINT or SIGTERM. The handlers only note the signal: a
    KeyboardInterrupt raised wherever the main thread happens to be can land in a __del__,
    where Python ignores it, and the server would go on serving; and a handler that took a
    lock could wait on one the main thread holds."""
    signalled: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: signalled.append(number))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    while not signalled:
        time.sleep(0.2)
    server.shutdown()
