"""Hostile input against the real service (issue 11): each request gets a 4xx with a clear
message, the service stays up, and the store is unchanged (dumps compared after every test)."""

from __future__ import annotations

import json
import select
import shutil
import socket
import threading
import time
import urllib.parse

import pytest

from live import AUTH, LiveService, live_dump

GRAPH = "http://example.org/hostile/g"
PUT = f"/graph?graph={urllib.parse.quote(GRAPH)}"
MAX_BODY = 16 * 1024 * 1024


@pytest.fixture(scope="module")
def service(bundled_store_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    shutil.copytree(bundled_store_dir, tmp / "store")
    # a smaller body limit than the default 50 MB keeps the chunked-upload test short (gunicorn
    # decodes chunked bodies at a few MB/s)
    with LiveService(tmp / "store", log_dir=tmp, env={"AMIKG_MAX_BODY": str(MAX_BODY)}) as svc:
        yield svc


@pytest.fixture(scope="module")
def initial(service):
    return live_dump(service)


@pytest.fixture
def svc(service, initial):
    """The service; after the test it must be up and its store exactly as it was."""
    yield service
    assert service.proc.poll() is None, "the service died"
    assert service.request("GET", "/healthz")[0] == 200
    assert live_dump(service) == initial


def error_of(status: int, headers: dict, body: bytes, expected: int | tuple) -> str:
    """Check a refusal: the status, the one JSON error shape; return its message."""
    wanted = expected if isinstance(expected, tuple) else (expected,)
    assert status in wanted, (status, body[:300])
    assert headers["content-type"].startswith("application/json"), headers
    doc = json.loads(body)
    assert doc["error"] and len(doc["message"]) > 10
    assert "Traceback" not in doc["message"]
    return doc["message"]


def put(svc, body: bytes, content_type: str, path: str = PUT):
    return svc.request("PUT", path, body, {**AUTH, "Content-Type": content_type})


# -- malformed RDF bodies --------------------------------------------------------------------

@pytest.mark.parametrize("content_type,body,says", [
    ("text/turtle", b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n ex:d .", "line 3"),
    ("application/n-triples", b'<http://a.org/s> <http://a.org/p> "open .\n', "line 1"),
    ("application/ld+json", b'{"@id": "http://a.org/s", "http://a.org/p": [1, }', "line 1"),
    ("application/rdf+xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                            b'<rdf:Description rdf:about="http://a.org/s">', "request body"),
], ids=["turtle", "ntriples", "jsonld", "rdfxml"])
def test_malformed_rdf_is_a_400_naming_the_place(svc, content_type, body, says):
    msg = error_of(*put(svc, body, content_type), 400)
    assert says in msg


def test_half_valid_body_writes_nothing(svc):
    good = "".join(f'<http://a.org/s{i}> <http://a.org/p> "{i}" .\n' for i in range(1000))
    msg = error_of(*put(svc, (good + "<http://a.org/broken> <p> .\n").encode(),
                        "application/n-triples"), 400)
    assert "line 1001" in msg


def test_wrong_content_type_is_415(svc):
    msg = error_of(*put(svc, b'<http://a.org/s> <http://a.org/p> "x" .', "image/png"), 415)
    assert "text/turtle" in msg
    msg = error_of(*svc.request("POST", "/sparql", b"SELECT * WHERE {?s ?p ?o}",
                                {"Content-Type": "text/html"}), 415)
    assert "application/sparql-query" in msg
    error_of(*svc.request("PUT", PUT, b"<a> <b> <c> .", AUTH), (400, 415))  # none at all


def test_turtle_sent_as_json_ld_is_a_400(svc):
    error_of(*put(svc, b'<http://a.org/s> <http://a.org/p> "x" .', "application/ld+json"), 400)


# -- size ------------------------------------------------------------------------------------

def _stream_until_answered(svc, head: bytes, total: int, chunk: int = 1 << 20,
                           limit_s: float = 30) -> tuple[bytes, int, float]:
    """Send ``head`` then up to ``total`` body bytes, stopping as soon as the server answers.
    Returns (the answer, body bytes sent, seconds)."""
    sock = socket.create_connection(("127.0.0.1", svc.port), timeout=3)
    t0 = time.monotonic()
    sent, data, payload = 0, b"", b"x" * chunk
    try:
        sock.sendall(head)
        while sent < total and time.monotonic() - t0 < limit_s:
            r, _, _ = select.select([sock], [], [], 0)
            if r:
                break
            try:
                sock.sendall(payload)
            except OSError:  # reset, broken pipe, or the server stopped reading (timeout)
                break
            sent += chunk
        sock.settimeout(10)
        try:
            while len(data) < 65536:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
                if b"\r\n\r\n" in data and b"}" in data:
                    break
        except (ConnectionResetError, socket.timeout):
            pass
        return data, sent, time.monotonic() - t0
    finally:
        sock.close()


@pytest.mark.slow
def test_300_mb_body_is_refused_with_413_before_it_is_read(svc):
    total = 300 * 1024 * 1024
    head = (f"PUT {PUT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH['Authorization']}\r\n"
            f"Content-Type: application/n-triples\r\nContent-Length: {total}\r\n\r\n").encode()
    answer, sent, took = _stream_until_answered(svc, head, total)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"AMIKG_MAX_BODY" in answer
    assert sent < total // 2 and took < 15


@pytest.mark.slow
def test_300_mb_chunked_body_without_length_is_refused_with_413(svc):
    head = (f"PUT {PUT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH['Authorization']}\r\n"
            f"Content-Type: application/n-triples\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = 1 << 20
    sock = socket.create_connection(("127.0.0.1", svc.port), timeout=3)
    t0, sent, data = time.monotonic(), 0, b""
    try:
        sock.sendall(head)
        frame = f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n"
        while sent < 300 * chunk and time.monotonic() - t0 < 30:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(frame)
            except OSError:  # reset, broken pipe, or the server stopped reading (timeout)
                break
            sent += chunk
        sock.settimeout(10)
        try:
            while b"}" not in data:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        sock.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b"AMIKG_MAX_BODY" in data
    assert sent < 150 * chunk


def test_chunked_body_just_over_the_limit_is_413_not_truncated(svc):
    """A chunked body one line longer than the limit must not be cut to the limit and loaded."""
    line = b'<http://a.org/s> <http://a.org/p> "%s" .\n'
    body = b"".join(line % str(i).zfill(20).encode() for i in range(MAX_BODY // 59 + 1000))
    assert len(body) > MAX_BODY
    conn_body = iter([body[i:i + (1 << 20)] for i in range(0, len(body), 1 << 20)])
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=120)
    try:
        conn.request("PUT", PUT, body=conn_body, encode_chunked=True, headers={
            **AUTH, "Content-Type": "application/n-triples", "Transfer-Encoding": "chunked"})
        resp = conn.getresponse()
        status, headers, answer = resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()
    headers = {k.lower(): v for k, v in headers.items()}
    assert "AMIKG_MAX_BODY" in error_of(status, headers, answer, 413)


def test_huge_values_block_is_refused_and_the_service_keeps_answering(svc):
    values = " ".join(f"<http://example.org/v{i}>" for i in range(150_000))
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"
    result = {}

    def send():
        result["r"] = svc.request("POST", "/sparql", query.encode(),
                                  {"Content-Type": "application/sparql-query"}, timeout=120)

    th = threading.Thread(target=send)
    th.start()
    time.sleep(0.2)
    t = time.monotonic()  # others are served meanwhile
    assert svc.request("GET", "/healthz", timeout=5)[0] == 200
    assert time.monotonic() - t < 2
    th.join(120)
    msg = error_of(*result["r"], 413)
    assert "AMIKG_MAX_RESULTS" in msg


# -- JSON-LD: nesting and remote contexts ---------------------------------------------------

def test_deeply_nested_json_ld_is_a_400_not_a_crash(svc):
    depth = 100_000
    body = ('{"@id": "http://a.org/s", "http://a.org/p": ' * depth + '{"@id": "http://a.org/z"}'
            + "}" * depth).encode()
    msg = error_of(*put(svc, body, "application/ld+json"), 400)
    assert "stack" in msg.lower() or "depth" in msg.lower()
    arrays = b"[" * 200_000 + b"]" * 200_000
    error_of(*put(svc, arrays, "application/ld+json"), 400)


class Listener:
    """A loopback TCP listener that records every connection (nothing should connect)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n\r\n'
                         b'{"@context": {"name": "http://example.org/name"}}')
            conn.close()

    def close(self):
        time.sleep(0.5)
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def test_json_ld_context_urls_are_never_fetched(svc):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/context.jsonld"
        body = json.dumps({"@context": url, "@id": "http://a.org/s", "name": "x"}).encode()
        msg = error_of(*put(svc, body, "application/ld+json"), 400)
        assert "remote context" in msg
        # nested, and in an array: refused all the same
        body = json.dumps({"@context": [{"ex": "http://example.org/"}, url],
                           "@graph": [{"@context": url, "@id": "http://a.org/s"}]}).encode()
        error_of(*put(svc, body, "application/ld+json"), 400)
        # nor by SPARQL LOAD or SERVICE (no host is allow-listed)
        error_of(*svc.request("POST", "/sparql", f"LOAD <{url}> INTO GRAPH <{GRAPH}>".encode(),
                              {**AUTH, "Content-Type": "application/sparql-update"}), 403)
        q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        error_of(*svc.request("GET", "/sparql?" + urllib.parse.urlencode({"query": q})), 403)
    finally:
        listener.close()
    assert listener.connections == 0


def test_json_ld_context_files_are_never_read(svc, tmp_path):
    secret = tmp_path / "context.jsonld"
    secret.write_text('{"@context": {"name": "http://example.org/secret-name"}}')
    for ref in (f"file://{secret}", str(secret), "/etc/passwd", "file:///etc/passwd"):
        body = json.dumps({"@context": ref, "@id": "http://a.org/s", "name": "x"}).encode()
        status, headers, answer = put(svc, body, "application/ld+json")
        error_of(status, headers, answer, 400)
        assert b"secret-name" not in answer and b"root:" not in answer


# -- Unicode ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type,body", [
    ("application/n-triples", b'<http://a.org/s> <http://a.org/p> "\xed\xa0\x80" .'),  # surrogate
    ("application/n-triples", b'<http://a.org/s> <http://a.org/p> "\xff\xfe" .'),  # not UTF-8
    ("text/turtle", b'<http://a.org/s> <http://a.org/p> "\\uD800" .'),  # escaped lone surrogate
    ("text/turtle", b'<http://a.org/s p> <http://a.org/p> "x" .'),  # space in an IRI
    ("text/turtle", b'<http://a.org/\x01> <http://a.org/p> "x" .'),  # control char in an IRI
    ("text/turtle", b'<http://a.org/s> <http://a.org/p> "x"@\xc3\xa9n .'),  # non-ASCII lang tag
], ids=["utf8-surrogate", "not-utf8", "escaped-surrogate", "iri-space", "iri-control",
        "lang-tag"])
def test_broken_unicode_in_rdf_is_a_400(svc, content_type, body):
    error_of(*put(svc, body, content_type), 400)


def test_broken_unicode_in_graph_names_and_queries_is_a_400(svc):
    error_of(*svc.request("GET", "/graph?graph=" + urllib.parse.quote("http://e.org/a b\n")), 400)
    error_of(*svc.request("POST", "/sparql", b'SELECT * WHERE { ?s ?p "\xed\xa0\x80" }',
                          {"Content-Type": "application/sparql-query"}), 400)
    error_of(*svc.request("POST", "/sparql", b"SELECT * WHERE { ?s ?p ?o }",
                          {"Content-Type": "application/sparql-query; charset=latin1"}), 415)


def test_unusual_but_valid_unicode_in_a_query_is_answered(svc):
    odd = "\u202eevil\u202c \U0001f9e0 \u0000 e\u0301 \ufeff \U0010fffd"
    lit = json.dumps(odd, ensure_ascii=False)  # a valid SPARQL string literal here
    q = f"SELECT ?s WHERE {{ ?s ?p {lit} }}"
    status, _, body = svc.request("GET", "/sparql?" + urllib.parse.urlencode({"query": q}),
                                  headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []


# -- path traversal on every route that takes a name ----------------------------------------

TRAVERSALS = [
    "/download/..%2F..%2F..%2Fetc%2Fpasswd",
    "/download/%2e%2e%2fsetup.cfg",
    "/download/..\\..\\setup.cfg",
    "/api/queries/..%2F..%2Fsetup.cfg",
    "/api/queries/%2e%2e",
    "/api/queries/..%2Fqueries%2Fsmes.rq",
    "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
    "/doc/../../etc/passwd",
    "/doc/cluster/%2e%2e/%2e%2e/setup.cfg",
    "/id/..%2F..%2Fetc%2Fpasswd",
    "/ontology/..%2F..%2Fsetup.cfg",
    "/ontology/%2e%2e",
    "/clusters/..%2F..%2Fsetup.cfg",
    "/clusters/%2e%2e",
    "/static/..%2F..%2Fsetup.cfg",
    "/static/pages/..%2F..%2F..%2Fsetup.cfg",
    "/graph?graph=file:///etc/passwd",
    "/graph?graph=file:../setup.cfg",
    "/graph?graph=../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(svc, path):
    status, headers, body = svc.request("GET", path)
    assert 400 <= status < 500, (status, body[:200])
    assert b"root:x:" not in body and b"[metadata]" not in body and b"#+ summary" not in body


def test_path_traversal_in_write_routes_is_refused(svc):
    status, _, body = svc.request("DELETE", "/api/imports/..%2F..%2Fetc", headers=AUTH)
    assert 400 <= status < 500
    status, _, body = svc.request("DELETE", "/api/imports/%2e%2e", headers=AUTH)
    assert 400 <= status < 500
    status, _, body = svc.request("POST", "/api/import?cluster=filas&filename=..%2F..%2Fx.csv",
                                  b"name\n", {**AUTH, "Content-Type": "text/csv"})
    assert 400 <= status < 500, body[:300]
    status, _, body = svc.request("DELETE", "/graph?graph=file:///etc/passwd", headers=AUTH)
    assert status == 404
