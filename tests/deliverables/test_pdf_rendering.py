"""The one PDF renderer: tagged A4 PDFs whose resources come only from the
project's static files, never from the file system or the network."""

import copy
import re
import socket
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from deliverables.pdf import BASE_URL, ResourceRefused, StaticFilesOnlyFetcher, render_pdf

MARIANNE = "/static/dsfr/dist/fonts/Marianne-Regular.woff2"
SECRET = Path("/etc/passwd").read_text().splitlines()[0]


def pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated: WeasyPrint packs the
    catalog (where /StructTreeRoot and /Lang live) into object streams."""
    inflated = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue  # fonts and images are not all deflated
    return b"\n".join(inflated)


def pdftotext(data: bytes) -> str:
    """The text of a PDF, no-break spaces read as spaces (poppler does not keep them)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return text.replace("\u00a0", " ")


@pytest.fixture
def template_dir(settings, tmp_path):
    """A template folder of the test's own, for hostile templates."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return tmp_path


@pytest.fixture
def listener():
    """A local TCP server that records whether anybody connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asked for, with what the fetcher answered."""
    calls = []
    original = StaticFilesOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ResourceRefused:
            calls.append((url, "refused"))
            raise
        calls.append((url, "served"))
        return response

    monkeypatch.setattr(StaticFilesOnlyFetcher, "fetch", spy)
    return calls


def test_the_fetcher_serves_the_marianne_font():
    for url in (MARIANNE, BASE_URL + MARIANNE.lstrip("/")):
        response = StaticFilesOnlyFetcher()(url)
        assert response.read(4) == b"wOF2"
        response.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/static/dsfr/dist/fonts/Marianne-Regular.woff2",
        "data:text/plain;base64,cm9vdA==",
        "/etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "static/../../etc/passwd",
        "/static/dsfr/dist/fonts/absent.woff2",
        "//127.0.0.1/static/dsfr/dist/fonts/Marianne-Regular.woff2",
    ],
)
def test_the_fetcher_refuses_anything_else(url):
    with pytest.raises(ResourceRefused):
        StaticFilesOnlyFetcher()(url)


def test_a_hostile_template_reads_no_file_and_calls_no_host(template_dir, listener, fetched):
    port, connections = listener
    (template_dir / "hostile.html").write_text(
        '<html lang="fr"><head><title>Hostile</title>'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        f'<style>@import url("http://127.0.0.1:{port}/x.css");</style></head>'
        '<body><p>Texte sûr</p><img src="file:///etc/passwd" alt="">'
        '<img src="http://127.0.0.1/" alt="">'
        f'<img src="http://127.0.0.1:{port}/image.png" alt="">'
        '<object data="file:///etc/passwd"></object>'
        '<iframe src="file:///etc/passwd"></iframe></body></html>'
    )
    data = render_pdf(template="hostile.html", context={}, title="Hostile")
    text = pdftotext(data)
    assert "Texte sûr" in text
    assert SECRET not in text and SECRET.encode() not in data
    assert connections == []
    refused = {url for url, outcome in fetched if outcome == "refused"}
    assert {"file:///etc/passwd", "http://127.0.0.1/", f"http://127.0.0.1:{port}/x.css"} <= refused
    assert not [url for url, outcome in fetched if outcome == "served"]


def test_a_pdf_is_tagged_titled_and_in_french(template_dir):
    (template_dir / "simple.html").write_text(
        '{% extends "deliverables/pdf/base.html" %}'
        "{% block body %}<h1>Été «\u00a0prospectif\u00a0»</h1>{% endblock %}"
    )
    data = render_pdf(template="simple.html", context={}, title="Un titre accentué")
    assert data.startswith(b"%PDF-")
    objects = pdf_objects(data)
    assert b"/StructTreeRoot" in objects
    assert b"/Lang (fr)" in objects
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    assert "Un titre accentué" in info.stdout.decode()
    assert re.search(r"Tagged:\s+yes", info.stdout.decode())
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True)
    assert "Marianne" in fonts.stdout.decode()
    assert "DejaVu" not in fonts.stdout.decode()
    text = pdftotext(data)
    assert "Été « prospectif »" in text
    assert "Page 1 sur 1" in text
