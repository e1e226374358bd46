"""R-SITE-4: the company directory adapters (offline file, HTTP API on a local server)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from ceres_core.directory import (
    UNAVAILABLE_MESSAGE,
    CompanyRecord,
    DirectoryUnavailable,
    HttpDirectory,
    OfflineDirectory,
    directory_from_env,
)
from ceres_core.errors import CeresError
from ceres_core.siret import is_valid_siret
from tests.factories import SIRET_A, SIRET_UNREGISTERED

ELEGIA = "38939456000020"


def test_r_site_4_offline_directory_default_file():
    directory = OfflineDirectory()
    assert len(directory) >= 8
    record = directory.lookup(SIRET_UNREGISTERED)
    assert record == CompanyRecord(
        siret=SIRET_UNREGISTERED,
        name="INSTITUT DES METIERS DU PAYSAGE",
        address="45 AVENUE PASTEUR",
        postal_code="93100",
        commune="MONTREUIL",
    )
    assert directory.lookup("12345678900000") is None


def test_r_site_4_offline_directory_rows_have_valid_sirets():
    directory = OfflineDirectory()
    for siret in directory._by_siret:
        assert is_valid_siret(siret), siret


def test_r_site_4_offline_directory_custom_file(tmp_path):
    path = tmp_path / "dir.json"
    path.write_text(json.dumps([{"siret": ELEGIA, "name": "ELEGIA", "address": "76 BD PASTEUR",
                                 "postal_code": "75015", "commune": "PARIS 15"}]))
    assert OfflineDirectory(path).lookup(ELEGIA).commune == "PARIS 15"


# --------------------------------------------------------------------------- HTTP
def _company(siret: str, name: str, street: str, postal: str, town: str, siege: str) -> dict:
    return {
        "siren": siret[:9],
        "nom_complet": name,
        "nom_raison_sociale": name,
        "siege": {"siret": siege, "adresse": f"1 RUE DU SIEGE {postal} {town}",
                  "code_postal": postal, "libelle_commune": town},
        "matching_etablissements": [
            {"siret": siret, "adresse": f"{street} {postal} {town}",
             "code_postal": postal, "libelle_commune": town, "est_siege": False},
        ],
    }


class _Api:
    """What the fake API answers; tests change it."""

    def __init__(self) -> None:
        self.status = 200
        self.body: bytes | None = None
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.companies = {
            ELEGIA: _company(ELEGIA, "ELEGIA", "76 BD PASTEUR", "75015", "PARIS 15",
                             "38939456000012"),
        }


@pytest.fixture
def api() -> Iterator[tuple[_Api, str]]:
    state = _Api()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            state.requests.append((parts.path, query, dict(self.headers)))
            if state.delay:
                threading.Event().wait(state.delay)
            if state.body is not None:
                body = state.body
            elif parts.path != "/search":
                self.send_response(404)
                self.end_headers()
                return
            else:
                q = query.get("q", [""])[0]
                results = [c for c in state.companies.values() if c["siren"] == q[:9]]
                body = json.dumps({"results": results, "total_results": len(results)}).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may have given up (timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_r_site_4_http_directory_finds_establishment(api):
    state, url = api
    directory = HttpDirectory(url + "/", token="secret-token", timeout=2)
    record = directory.lookup(ELEGIA)
    assert record == CompanyRecord(siret=ELEGIA, name="ELEGIA", address="76 BD PASTEUR",
                                   postal_code="75015", commune="PARIS 15")
    path, query, headers = state.requests[-1]
    assert path == "/search" and query["q"] == [ELEGIA]
    assert headers["Authorization"] == "Bearer secret-token"
    assert headers["Accept"] == "application/json"


def test_r_site_4_http_directory_siege_match(api):
    state, url = api
    assert HttpDirectory(url).lookup("38939456000012").address == "1 RUE DU SIEGE"
    assert "Authorization" not in state.requests[-1][2]


def test_r_site_4_http_directory_unknown_siret(api):
    _, url = api
    assert HttpDirectory(url).lookup(SIRET_A) is None


@pytest.mark.parametrize("status", [500, 503, 429, 404])
def test_r_site_4_http_directory_http_errors_mapped(api, status):
    state, url = api
    state.status = status
    with pytest.raises(DirectoryUnavailable) as err:
        HttpDirectory(url).lookup(ELEGIA)
    assert isinstance(err.value, CeresError)
    assert err.value.message == UNAVAILABLE_MESSAGE
    assert err.value.message == "Le répertoire des entreprises ne répond pas, réessayez plus tard."


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b'{"results": "x"}', b"[]",
                                  b'{"results": [{"siege": {"siret": "38939456000020"}}]}'])
def test_r_site_4_http_directory_bad_payload_mapped(api, body):
    state, url = api
    state.body = body
    with pytest.raises(DirectoryUnavailable):
        HttpDirectory(url).lookup(ELEGIA)


def test_r_site_4_http_directory_timeout_mapped(api):
    state, url = api
    state.delay = 1.0
    with pytest.raises(DirectoryUnavailable):
        HttpDirectory(url, timeout=0.2).lookup(ELEGIA)


def test_r_site_4_http_directory_connection_refused():
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DirectoryUnavailable):
        HttpDirectory(f"http://127.0.0.1:{port}", timeout=1).lookup(ELEGIA)


def test_http_directory_rejects_non_http_urls():
    with pytest.raises(ValueError):
        HttpDirectory("file:///etc/passwd")


def test_directory_from_env():
    assert isinstance(directory_from_env({}), OfflineDirectory)
    assert isinstance(directory_from_env({"CERES_DIRECTORY_URL": "  "}), OfflineDirectory)
    http = directory_from_env({"CERES_DIRECTORY_URL": "https://api.example.test/v1",
                               "CERES_DIRECTORY_TOKEN": "t", "CERES_DIRECTORY_TIMEOUT": "2.5"})
    assert isinstance(http, HttpDirectory)
    assert (http.base_url, http.token, http.timeout) == ("https://api.example.test/v1", "t", 2.5)
    with pytest.raises(ValueError):
        directory_from_env({"CERES_DIRECTORY_URL": "http://x", "CERES_DIRECTORY_TIMEOUT": "abc"})


def test_directory_from_env_reads_os_environ(monkeypatch):
    monkeypatch.setenv("CERES_DIRECTORY_URL", "http://127.0.0.1:9")
    assert isinstance(directory_from_env(), HttpDirectory)
    monkeypatch.delenv("CERES_DIRECTORY_URL")
    assert isinstance(directory_from_env(), OfflineDirectory)
