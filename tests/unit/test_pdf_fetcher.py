"""The PDF URL fetcher serves the app's own static files and refuses everything else."""

import pytest

from mission_app.exporters.pdf import STATIC_ROOT, RefusedURL, StaticFilesFetcher, text_direction


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/share/x.png",
        f"{STATIC_ROOT.as_uri()}/../../config.py",
        f"{STATIC_ROOT.as_uri()}/%2e%2e/%2e%2e/config.py",
        f"{STATIC_ROOT.as_uri()}/no-such-file.png",
        f"{STATIC_ROOT.as_uri()}",
        "http://127.0.0.1:22/",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "gopher://example.org/",
        "jar:file:///etc/passwd!/",
    ],
)
def test_fetcher_refuses_anything_but_a_static_file(url):
    fetcher = StaticFilesFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.requested == [url]


def test_fetcher_serves_a_static_file_with_its_type():
    fetcher = StaticFilesFetcher()
    response = fetcher.fetch(f"{STATIC_ROOT.as_uri()}/favicon.svg")
    assert response.content_type == "image/svg+xml"
    assert response.read() == (STATIC_ROOT / "favicon.svg").read_bytes()


def test_fetcher_decodes_data_urls():
    response = StaticFilesFetcher().fetch("data:text/plain;base64,SGVsbG8=")
    assert response.read() == b"Hello"


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("محمد الأمين", "rtl"),
        ("Hôtel Terrou-Bi, Dakar", "ltr"),
        ("12 شارع", "rtl"),
        ("", "ltr"),
        ("« Atlas »", "ltr"),
    ],
)
def test_text_direction_follows_the_first_strong_letter(text, direction):
    assert text_direction(text) == direction
