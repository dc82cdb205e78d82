"""`karpwiki serve` as a writer uses it: a real server on a free port, real edits, real requests."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import Served, karpwiki_executable


@pytest.fixture
def wiki(make_wiki):
    return make_wiki({
        "index.md": "---\ntitle: Hub\n---\n# Hub\n\n[attention](attention.md) and [kv](repos/kv.md)\n",
        "attention.md": "# Attention\n\nFirst version.\n\n## The causal mask\n\nBack to [hub](index.md).\n",
        "repos/kv.md": "# KV\n\nSee [attention](../attention.md#the-causal-mask).\n",
    })


@pytest.fixture
def served(wiki, tmp_path):
    server = Served(wiki, tmp_path)
    yield server
    server.stop()


def test_pages_are_served_with_the_live_script_and_right_types(served):
    status, headers, body = served.request("/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"<h1" in body and b'<script src="/__karpwiki/live.js"' in body
    status, headers, _ = served.request("/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    status, headers, body = served.request("/repos/kv.html", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    assert served.request("/repos")[0] == 301 and served.request("/repos")[1]["location"] == "/repos/"
    assert served.request("/index.html", "POST")[0] == 405
    assert served.request("/no-such-page.html")[0] == 404


@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc/passwd",
    "/..%5c..%5c..%5cetc/passwd", "//etc/passwd", "/%2Fetc%2Fpasswd", "/static/../../../etc/passwd",
    "/.karpwiki-build", "/" + "a" * 5000, "/%00index.html",
])
def test_nothing_outside_the_site_is_ever_served(served, path):
    status, _, body = served.request(path)
    assert status in (301, 404, 414), (path, status)
    assert b"root:" not in body


def test_an_edit_shows_up_and_only_affected_pages_are_rebuilt(served, wiki):
    assert "First version." in served.get_text("/attention.html")
    (wiki / "attention.md").write_text((wiki / "attention.md").read_text().replace("First version.", "Second version."))
    served.wait_until(lambda: "Second version." in served.get_text("/attention.html"))
    report = served.wait_for_output("rebuilt ")
    assert "of 3 pages" in report
    assert "/attention.html" in served.state()["changed"]


def test_a_broken_link_is_reported_and_the_last_good_page_stays(served, wiki):
    page = wiki / "attention.md"
    good = page.read_text()
    page.write_text(good.replace("First version.", "Broken [link](missing.md)."))
    state = served.wait_until(lambda: (s := served.state())["findings"] and s)
    assert any("attention.md:3:15: error: missing-page" in line for line in state["findings"])
    served.wait_for_output("missing-page")
    assert "First version." in served.get_text("/attention.html")  # the last good page
    page.write_text(good.replace("First version.", "Fixed."))
    served.wait_until(lambda: "Fixed." in served.get_text("/attention.html"))
    assert served.state()["findings"] == []


def test_added_and_deleted_pages(served, wiki):
    (wiki / "new.md").write_text("# New page\n\n[hub](index.md)\n")
    served.wait_until(lambda: served.request("/new.html")[0] == 200)
    assert any("orphan-page" in line for line in served.state()["findings"])  # new.md: a warning only
    (wiki / "repos" / "kv.md").unlink()
    served.wait_until(lambda: any("missing-page" in line and "repos/kv.md" in line for line in served.state()["findings"]))
    (wiki / "index.md").write_text("# Hub\n\n[attention](attention.md) [new](new.md)\n")
    served.wait_until(lambda: served.request("/repos/kv.html")[0] == 404)
    assert "repos/kv.html" not in served.get_text("/index.html")


def test_editor_noise_triggers_no_rebuild(served, wiki):
    served.wait_for_output("serving")
    version = served.state()["version"]
    for name in (".attention.md.swp", "attention.md~", "4913", "#attention.md#"):
        (wiki / name).write_text("noise")
    (wiki / "attention.md").touch()  # saved without changes
    time.sleep(0.6)
    assert served.state()["version"] == version


def test_template_error_is_shown_and_the_server_survives(make_wiki, tmp_path):
    from karpwiki.config import packaged_theme
    import shutil

    theme = tmp_path / "theme"
    shutil.copytree(packaged_theme(), theme)
    wiki = make_wiki({"index.md": "# Hub\n\n[a](a.md)\n", "a.md": "# A\n\n[h](index.md)\n"})
    server = Served(wiki, tmp_path, "--templates", str(theme))
    try:
        good = (theme / "page.html").read_text()
        (theme / "page.html").write_text(good + "{% if %}\n")
        state = server.wait_until(lambda: (s := server.state())["problem"] and s)
        assert "template syntax error" in state["problem"]
        assert server.request("/a.html")[0] == 200
        (theme / "page.html").write_text(good)
        server.wait_until(lambda: not server.state()["problem"])
    finally:
        server.stop()


def test_ctrl_c_and_sigterm_exit_cleanly_and_remove_the_temporary_site(wiki, tmp_path):
    for sig in (signal.SIGINT, signal.SIGTERM):
        server = Served(wiki, tmp_path)
        assert list(server.tmp.glob("karpwiki-serve-*"))
        assert server.stop(sig) == 0
        assert list(server.tmp.glob("karpwiki-serve-*")) == []
        assert "Traceback" not in "\n".join(server.output)
    assert not (tmp_path / "build").exists()  # serve never writes build/


def test_a_busy_port_is_one_line(wiki, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([karpwiki_executable(), "serve", str(wiki), "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == f"karpwiki: port {port} on 127.0.0.1 is already in use; choose another with --port"


def test_concurrent_requests_all_complete(served):
    results = []

    def fetch():
        for _ in range(10):
            status, _, body = served.request("/attention.html")
            results.append(status == 200 and body.rstrip().endswith(b"</html>"))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    events = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(4)]  # open streams
    for sock in events:
        sock.sendall(b"GET /__karpwiki/events HTTP/1.1\r\nHost: x\r\n\r\n")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for sock in events:
        sock.close()
    assert len(results) == 80 and all(results)


def test_incremental_rebuilds_equal_a_cold_build_byte_for_byte(make_wiki, tmp_path):
    """After each scripted edit, the preview folder holds exactly what `karpwiki build` writes."""
    from conftest import FIXTURES, tree_bytes
    from karpwiki.build import build
    from karpwiki.config import Config
    from karpwiki.serve.preview import Preview

    wiki = make_wiki({
        "index.md": "# Hub\n\n## Reading guide\n\n1. [a](a.md)\n2. [b](b.md)\n3. [kv](repos/kv.md)\n",
        "a.md": "# A\n\nSee [b](b.md) for more.\n\n```python\nx = 1\n```\n",
        "b.md": "# B\n\n## Part\n\nBack to [a](a.md).\n",
        "repos/kv.md": "# KV\n\nUses [b](../b.md#part) and ![d](../img/d.svg).\n",
        "img/d.svg": (FIXTURES / "good" / "wiki" / "img" / "diagram.svg").read_text(),
    })
    site = tmp_path / "preview"
    site.mkdir()
    preview = Preview(Config(wiki=wiki), site)
    preview.build_everything()

    def write(path, text):
        (wiki / path).parent.mkdir(parents=True, exist_ok=True)
        (wiki / path).write_text(text)

    edits = [
        ("body text", lambda: write("a.md", "# A\n\nSee [b](b.md) for much more.\n"), {"a.md"}),
        ("title", lambda: write("b.md", "# B, retitled\n\n## Part\n\nBack to [a](a.md).\n"), {"b.md"}),
        ("new link and sentence", lambda: write("a.md", "# A\n\nRead [kv](repos/kv.md) first. See [b](b.md).\n"), {"a.md"}),
        ("new page", lambda: write("c.md", "# C\n\n[a](a.md) and [b](b.md)\n"), {"c.md"}),
        ("link to the new page", lambda: write("b.md", "# B\n\n## Part\n\n[a](a.md) [c](c.md)\n"), {"b.md"}),
        ("guide change", lambda: write("index.md", "# Hub\n\n## Reading guide\n\n1. [b](b.md)\n2. [c](c.md)\n3. [a](a.md)\n\n[kv](repos/kv.md)\n"), {"index.md"}),
        ("delete", lambda: ((wiki / "c.md").unlink(), write("b.md", "# B\n\n## Part\n\n[a](a.md)\n"),
                            write("index.md", "# Hub\n\n1. [b](b.md)\n2. [a](a.md)\n\n[kv](repos/kv.md)\n")),
         {"c.md", "b.md", "index.md"}),
        ("asset edit", lambda: write("img/d.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n"), {"img/d.svg"}),
        ("hub retitled", lambda: write("index.md", "# Hub two\n\n1. [b](b.md)\n2. [a](a.md)\n\n[kv](repos/kv.md)\n"), {"index.md"}),
    ]
    for description, change, paths in edits:
        change()
        report = preview.rebuild(paths)
        assert "error" not in report, (description, report)
        preview.refresh_shared()
        cold = tmp_path / f"cold-{len(description)}"
        assert build(Config(wiki=wiki, out=cold)).written
        expected = {k: v for k, v in tree_bytes(cold).items() if k != ".karpwiki-build"}
        assert tree_bytes(site) == expected, description


def test_symlinks_in_the_site_folder_never_lead_outside(served):
    (site,) = served.tmp.glob("karpwiki-serve-*")
    secret = served.tmp.parent / "secret.txt"
    secret.write_text("root:x:0:0\n")
    (site / "leak.txt").symlink_to(secret)
    (site / "leakdir").symlink_to(served.tmp.parent, target_is_directory=True)
    for path in ("/leak.txt", "/leakdir/secret.txt", "/leakdir/"):
        status, _, body = served.request(path)
        assert status == 404 and b"root:" not in body, path


def test_idle_and_half_sent_connections_do_not_stop_others(served):
    """Slowloris: many connections that send part of a request and wait."""
    idle = []
    for number in range(60):
        sock = socket.create_connection(("127.0.0.1", served.port))
        sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n" if number % 2 else b"GE")
        idle.append(sock)
    try:
        started = time.monotonic()
        status, _, body = served.request("/attention.html")
        assert status == 200 and body.rstrip().endswith(b"</html>")
        assert time.monotonic() - started < 2
    finally:
        for sock in idle:
            sock.close()


def test_a_request_line_past_the_limit_is_refused(served):
    status, _, body = served.request("/" + "a" * 70_000)
    assert status == 414 and b"root:" not in body


def test_a_reader_resetting_the_connection_prints_no_traceback(served):
    import struct

    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", served.port))
        sock.sendall(b"GET /attention.html HTTP/1.1\r\nHo")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # an RST, as wrk and browsers do when they give up on a connection
    time.sleep(0.3)
    assert served.request("/attention.html")[0] == 200
    assert not any("Traceback" in line or "Error" in line for line in served.output)
