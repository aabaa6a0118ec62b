"""Issue 21: accounts, rights per named graph on every write path, the audit log.

Each refused write is checked against the store itself: every quad before and after must match.
"""

from __future__ import annotations

import io
import re

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples"
G = "https://w3id.org/amikg/graph/"
FILAS, PHARMA = G + "cluster/filas", G + "cluster/pharmapolis"
ONTOLOGY, SHAPES, META = G + "ontology", G + "shapes", G + "meta"
LEGACY = "legacy-admin-token-1234"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def accounts_file(tmp_path):
    return tmp_path / "accounts.sqlite"


@pytest.fixture
def tokens(runner, accounts_file, monkeypatch):
    """One account of each role, made with the real `amikg users add` (its token: last line)."""
    monkeypatch.setenv("AMIKG_ACCOUNTS", str(accounts_file))
    out = {}
    for name, args in {"ana": ["--role", "manager", "--cluster", "filas"],
                       "stew": ["--role", "steward"], "rita": ["--role", "reader"],
                       "adm": ["--role", "admin"]}.items():
        r = runner.invoke(["users", "add", name, *args])
        assert r.exit_code == 0, r.output
        out[name] = r.stdout.strip().splitlines()[-1]
    return out


@pytest.fixture
def store(bundled_store):
    return bundled_store


@pytest.fixture
def client(make_app, store, accounts_file, tokens):
    app = make_app(store, update_token=LEGACY, accounts=str(accounts_file))
    return app.test_client()


def snapshot(store) -> set:
    return set(store.quads())


def update(client, text: str, token: str):
    return client.post("/sparql", data=text.encode(), headers={
        **bearer(token), "Content-Type": "application/sparql-update"})


def insert_into(graph: str) -> str:
    return f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> 'written' }} }}"


# -- the rule itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,graphs", [
    ("INSERT DATA { <urn:a> <urn:b> 1 }", {"DEFAULT"}),
    ("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } }", {"urn:g"}),
    ("WITH <urn:w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"urn:w"}),
    ("WITH <urn:w> INSERT { GRAPH <urn:h> { ?s ?p 1 } } USING <urn:u> WHERE { ?s ?p ?o }",
     {"urn:h"}),
    ("INSERT { GRAPH ?g { ?s ?p 1 } } WHERE { GRAPH ?g { ?s ?p ?o } }", {"*"}),
    ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", {"*"}),
    ("DELETE { ?s ?p ?o } WHERE { GRAPH <urn:r> { ?s ?p ?o } }", {"DEFAULT"}),
    ("CLEAR ALL", {"*"}), ("DROP NAMED", {"*"}), ("DROP DEFAULT", {"DEFAULT"}),
    ("DROP GRAPH <urn:d>", {"urn:d"}), ("CREATE GRAPH <urn:c>", {"urn:c"}),
    ("ADD <urn:a> TO <urn:b>", {"urn:b"}), ("COPY DEFAULT TO <urn:b>", {"urn:b"}),
    ("MOVE <urn:a> TO <urn:b>", {"urn:a", "urn:b"}),
    ("LOAD <http://example.org/x> INTO GRAPH <urn:l>", {"urn:l"}),
    ("PREFIX amig: <https://w3id.org/amikg/graph/> INSERT DATA { GRAPH amig:meta { <urn:a> <urn:b> 1 } } ;"
     " DROP GRAPH <rel>", {META, "http://base/rel"}),
    # a prefixed name's escaped characters are the characters (rdflib keeps the backslash)
    ("PREFIX amig: <https://w3id.org/amikg/graph/> DROP GRAPH amig:cluster\\/filas\\.v2",
     {G + "cluster/filas.v2"}),
    ("INSERT DATA { GRAPH <https://w3id.org/amikg/graph/cluster/\\u0066ilas> { <urn:a> <urn:b> 1 } }",
     {FILAS}),
])
def test_graphs_touched_are_read_from_the_update_before_it_runs(text, graphs):
    from amikg.access import graphs_touched

    assert graphs_touched(text, base_iri="http://base/") == graphs


def test_may_write_by_role():
    from amikg.access import ANY, DEFAULT, Account, may_write

    ana = Account("ana", "manager", ("https://w3id.org/amikg/id/cluster/filas",))
    assert may_write(ana, {FILAS, FILAS + "/restricted"})
    assert not may_write(ana, {FILAS, PHARMA})
    assert not may_write(ana, {G + "cluster/filas-other"})  # a prefix of the slug is not enough
    assert not any(may_write(ana, {g}) for g in (ONTOLOGY, SHAPES, META, DEFAULT, ANY))
    stew = Account("stew", "steward")
    assert may_write(stew, {PHARMA, G + "demo", DEFAULT})
    assert not any(may_write(stew, {g}) for g in (ONTOLOGY, SHAPES, META, ANY))
    assert not may_write(Account("rita", "reader"), {FILAS})
    assert not may_write(None, set())
    assert may_write(Account("adm", "admin"), {ANY, ONTOLOGY})


# -- the command line --------------------------------------------------------------------------

def test_users_commands_make_list_rotate_and_remove(runner, client, tokens):
    listed = runner.invoke(["users", "list", "--json"]).stdout
    assert {"name": "ana", "role": "manager", "clusters":
            ["https://w3id.org/amikg/id/cluster/filas"], "password": False, "oidc": None} in \
        __import__("json").loads(listed)
    assert not any(t in listed for t in tokens.values())  # only hashes are stored
    assert update(client, insert_into(FILAS), tokens["ana"]).status_code == 204
    new = runner.invoke(["users", "token", "ana"]).stdout.strip().splitlines()[-1]
    old = update(client, insert_into(FILAS), tokens["ana"])
    assert old.status_code == 403 and old.json["error"] == "ForbiddenOperation"
    assert update(client, insert_into(FILAS), new).status_code == 204
    assert runner.invoke(["users", "remove", "ana"]).exit_code == 0
    assert update(client, insert_into(FILAS), new).status_code == 403
    bad = runner.invoke(["users", "add", "x", "--role", "manager"], catch_exceptions=True)
    assert bad.exit_code == 2 and "--cluster" in bad.output


def test_accounts_file_holds_no_token(accounts_file, tokens):
    data = accounts_file.read_bytes()
    assert not any(t.encode() in data for t in tokens.values())


# -- SPARQL UPDATE -----------------------------------------------------------------------------

REFUSED_FOR_MANAGER = [
    insert_into(PHARMA), insert_into(ONTOLOGY), insert_into(SHAPES), insert_into(META),
    "INSERT DATA { <urn:x:s> <urn:x:p> 'default graph' }",
    f"WITH <{PHARMA}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"WITH <{FILAS}> INSERT {{ GRAPH ?g {{ ?s <urn:x:p> 1 }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"INSERT DATA {{ GRAPH <{FILAS}> {{ <urn:a> <urn:b> 1 }} }} ; DROP GRAPH <{PHARMA}>",
    f"MOVE <{FILAS}> TO <{PHARMA}>", f"ADD <{FILAS}> TO <{ONTOLOGY}>", "CLEAR ALL", "DROP NAMED",
    f"DROP GRAPH <{PHARMA}>",
    # the same graph in other spellings: as the engine reads them
    f"BASE <{FILAS}/> INSERT DATA {{ GRAPH <../pharmapolis> {{ <urn:a> <urn:b> 1 }} }}",
    "INSERT DATA { GRAPH <https://w3id.org/amikg/graph/cluster/ph\\u0061rmapolis> "
    "{ <urn:a> <urn:b> 1 } }",
    "PREFIX g: <https://w3id.org/amikg/graph/> INSERT DATA { GRAPH g:shapes { <urn:a> <urn:b> 1 } }",
]


@pytest.mark.parametrize("text", REFUSED_FOR_MANAGER)
def test_a_manager_cannot_update_outside_its_cluster(client, store, tokens, text):
    before = snapshot(store)
    r = update(client, text, tokens["ana"])
    assert r.status_code == 403, r.data
    assert r.json["error"] == "ForbiddenOperation" and "nothing was written" in r.json["message"]
    assert snapshot(store) == before


def test_a_manager_updates_its_own_cluster_with_with_and_using(client, store, tokens):
    text = (f"PREFIX ami: <https://w3id.org/amikg/ontology#> WITH <{FILAS}> "
            f"INSERT {{ ?c ami:missionStatement 'New mission'@en }} USING <{FILAS}> "
            "WHERE { ?c a ami:Cluster }")
    assert update(client, text, tokens["ana"]).status_code == 204
    assert any("New mission" in str(q.object) for q in store.quads(FILAS))
    assert store.count(PHARMA) > 0


def test_a_manager_names_its_cluster_graph_by_an_escaped_prefixed_name(client, store, tokens):
    """``amig:cluster\\/filas`` is FILAS's graph (the escape stands for the slash): written, and
    recorded as that graph; the same spelling of another cluster's graph is still refused."""
    head = f"PREFIX amig: <{G}> "
    text = head + "INSERT DATA { GRAPH amig:cluster\\/filas { <urn:x:s> <urn:x:p> 'escaped' } }"
    assert update(client, text, tokens["ana"]).status_code == 204, "the manager was refused"
    assert any("escaped" in str(q.object) for q in store.quads(FILAS))
    assert list(update_records(store).values()) == [("https://w3id.org/amikg/id/agent/ana",
                                                     {FILAS})]
    before = snapshot(store)
    other = head + "INSERT DATA { GRAPH amig:cluster\\/pharmapolis { <urn:x:s> <urn:x:p> 'no' } }"
    assert update(client, other, tokens["ana"]).status_code == 403
    assert snapshot(store) == before


@pytest.mark.parametrize("role", ["rita", "stew"])
def test_reader_and_steward_refusals(client, store, tokens, role):
    before = snapshot(store)
    graphs = [FILAS, PHARMA, G + "demo"] if role == "rita" else [ONTOLOGY, SHAPES, META]
    for graph in graphs:
        assert update(client, insert_into(graph), tokens[role]).status_code == 403
    assert update(client, "CLEAR ALL", tokens[role]).status_code == 403
    assert snapshot(store) == before
    if role == "stew":
        assert update(client, insert_into(PHARMA), tokens["stew"]).status_code == 204


def test_missing_and_wrong_credentials_are_401_and_403_in_the_error_shape(client, store):
    before = snapshot(store)
    r = client.post("/sparql", data={"update": insert_into(FILAS)})
    assert r.status_code == 401 and set(r.json) >= {"error", "message"}
    r = update(client, insert_into(FILAS), "not-a-token")
    assert r.status_code == 403 and r.json["error"] == "ForbiddenOperation"
    r = client.post("/sparql", data={"update": insert_into(FILAS)},
                    headers={"Authorization": "Bearer"})
    assert r.status_code == 403
    assert snapshot(store) == before


def test_the_service_token_is_still_an_admin(client, store):
    assert update(client, insert_into(ONTOLOGY), LEGACY).status_code == 204
    assert update(client, "DELETE WHERE { GRAPH ?g { <urn:x:s> ?p ?o } }", LEGACY).status_code \
        == 204


PROV = "http://www.w3.org/ns/prov#"


def update_records(store) -> dict[str, tuple[str, set]]:
    """The PROV-O records of SPARQL updates: activity -> (agent, graphs it generated)."""
    out: dict = {}
    for s in store.query(f"""SELECT ?a ?agent ?g WHERE {{ GRAPH <{META}> {{
            ?a a <{PROV}Activity> ; <http://www.w3.org/2000/01/rdf-schema#label> "SPARQL update" ;
               <{PROV}wasAssociatedWith> ?agent ; <{PROV}startedAtTime> ?t .
            OPTIONAL {{ ?a <{PROV}generated> ?g }} }} }}"""):
        agent, graphs = out.setdefault(s["a"].value, (s["agent"].value, set()))
        if s["g"] is not None:
            graphs.add(s["g"].value)
    return out


@pytest.mark.parametrize("text", [
    f"INSERT DATA {{ GRAPH <{FILAS}> {{ <urn:x:s> <urn:x:p> 'a' }} "
    f"GRAPH <{FILAS}/notes> {{ <urn:x:s> <urn:x:p> 'b' }} }}",
    f"PREFIX c: <{G}cluster/> INSERT DATA {{ GRAPH c:filas {{ <urn:x:s> <urn:x:p> 'a' }} }} ;\n"
    f"INSERT DATA {{ GRAPH <{FILAS}/notes> {{ <urn:x:s> <urn:x:p> 'b' }} }} ;",
    f"WITH <{FILAS}> INSERT {{ <urn:x:s> <urn:x:p> 'a' . GRAPH <{FILAS}/notes> "
    "{ <urn:x:s> <urn:x:p> 'b' } } WHERE { } # a comment closes the update",
])
def test_an_update_records_its_account_and_graphs_in_the_provenance(client, store, tokens, text):
    assert update(client, text, tokens["ana"]).status_code == 204
    assert list(update_records(store).values()) == \
        [("https://w3id.org/amikg/id/agent/ana", {FILAS, FILAS + "/notes"})]


def test_a_refused_or_failed_update_leaves_no_provenance(client, store, tokens):
    before = snapshot(store)
    assert update(client, insert_into(PHARMA), tokens["ana"]).status_code == 403
    assert update(client, insert_into(FILAS), tokens["rita"]).status_code == 403
    # the admin's malformed update: the engine refuses it, record and all
    assert update(client, "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> } }", LEGACY) \
        .status_code == 400
    assert snapshot(store) == before and not update_records(store)


def test_an_update_with_the_protocols_using_graphs_is_recorded_too(client, store, tokens):
    r = client.post("/sparql", headers=bearer(tokens["stew"]), data={
        "update": f"INSERT {{ GRAPH <{PHARMA}> {{ ?c <urn:x:seen> true }} }} "
                  "WHERE { ?c a <https://w3id.org/amikg/ontology#Cluster> }",
        "using-graph-uri": FILAS})
    assert r.status_code == 204, r.data
    assert store.count(PHARMA) > 0 and list(update_records(store).values()) == \
        [("https://w3id.org/amikg/id/agent/stew", {PHARMA})]
    assert update(client, "DELETE WHERE { GRAPH ?g { ?c <urn:x:seen> true } }", LEGACY) \
        .status_code == 204
    comments = [s["c"].value for s in store.query(
        f"SELECT ?c WHERE {{ GRAPH <{META}> {{ ?a <{PROV}wasAssociatedWith> "
        "<https://w3id.org/amikg/id/agent/amikg> ; <http://www.w3.org/2000/01/rdf-schema#comment> ?c } }")]
    assert comments == ["also writes any graph (GRAPH ?g, ALL or NAMED)"]


# -- Graph Store, import, undo -----------------------------------------------------------------

TTL = b"<urn:x:s> <urn:x:p> 'via the graph store' ."


def test_graph_store_writes_follow_the_same_rights(client, store, tokens):
    before = snapshot(store)
    for method in ("put", "post", "delete"):
        for graph in (PHARMA, ONTOLOGY):
            r = getattr(client, method)("/graph", query_string={"graph": graph}, data=TTL,
                                        headers={**bearer(tokens["ana"]),
                                                 "Content-Type": "text/turtle"})
            assert r.status_code == 403, (method, graph)
        r = getattr(client, method)("/graph", query_string={"default": ""}, data=TTL,
                                    headers={**bearer(tokens["ana"]), "Content-Type": "text/turtle"})
        assert r.status_code == 403
    r = client.post("/graph", data=TTL, headers={**bearer(tokens["ana"]),
                                                 "Content-Type": "text/turtle"})
    assert r.status_code == 403  # a new graph is no cluster's graph
    assert snapshot(store) == before
    own = FILAS + "/notes"
    r = client.put("/graph", query_string={"graph": own}, data=TTL,
                   headers={**bearer(tokens["ana"]), "Content-Type": "text/turtle"})
    assert r.status_code == 201
    # the provenance names the account
    agents = store.query(f"SELECT ?a WHERE {{ GRAPH <{META}> {{ <{own}> "
                         "<http://www.w3.org/ns/prov#wasGeneratedBy>/"
                         "<http://www.w3.org/ns/prov#wasAssociatedWith> ?a } }")
    assert [s["a"].value for s in agents] == ["https://w3id.org/amikg/id/agent/ana"]


def _import(client, token, cluster):
    with open(EXAMPLES / "members.csv", "rb") as f:
        return client.post("/api/import", headers=bearer(token),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(f.read()), "members.csv"),
                                 "cluster": cluster})


def test_imports_and_undo_follow_the_same_rights(client, store, tokens):
    before = snapshot(store)
    for who in ("ana", "rita"):
        r = _import(client, tokens[who], "pharmapolis")
        assert r.status_code == 403 and r.json["error"] == "ForbiddenOperation"
    assert snapshot(store) == before
    theirs = _import(client, tokens["stew"], "pharmapolis")
    assert theirs.status_code == 201
    after_theirs = snapshot(store)
    r = client.delete(f"/api/imports/{theirs.json['import']}", headers=bearer(tokens["ana"]))
    assert r.status_code == 403
    assert snapshot(store) == after_theirs
    mine = _import(client, tokens["ana"], "filas")
    assert mine.status_code == 201, mine.json
    r = client.delete(f"/api/imports/{mine.json['import']}", headers=bearer(tokens["ana"]))
    assert r.status_code == 200
    # undone; only the description of the agent "ana" stays in the provenance graph
    assert {q for q in snapshot(store) if not q.subject.value.endswith("/agent/ana")} == \
        after_theirs


# -- the audit log -----------------------------------------------------------------------------

def test_every_write_is_in_the_audit_log_which_only_admins_read(client, runner, tokens):
    assert update(client, insert_into(FILAS), tokens["ana"]).status_code == 204
    assert update(client, insert_into(PHARMA), tokens["ana"]).status_code == 403
    for who in ("ana", "stew", "rita"):
        r = client.get("/api/audit", headers=bearer(tokens[who]))
        assert r.status_code == 403 and r.json["error"] == "ForbiddenOperation"
    assert client.get("/api/audit").status_code == 401
    log = client.get("/api/audit", headers=bearer(tokens["adm"])).json
    assert [(e["account"], e["action"], e["graphs"], e["triples"], e["outcome"])
            for e in log[:2]] == [("ana", "SPARQL update", [PHARMA], 0, "refused"),
                                  ("ana", "SPARQL update", [FILAS], 1, "written")]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", log[0]["when"])
    cli = runner.invoke(["audit", "--json", "--account", "ana"])
    assert [e["id"] for e in __import__("json").loads(cli.stdout)] == [e["id"] for e in log[:2]]


def test_backup_is_for_admins_only(client, tokens):
    r = client.post("/admin/backup", headers=bearer(tokens["stew"]))
    assert r.status_code == 403 and r.json["error"] == "ForbiddenOperation"


def test_the_import_form_of_the_validate_page_follows_the_same_rights(client, store, tokens):
    before = snapshot(store)

    def form(token, cluster):
        with open(EXAMPLES / "members.csv", "rb") as f:
            return client.post("/validate/import", content_type="multipart/form-data", data={
                "file": (io.BytesIO(f.read()), "members.csv"), "cluster": cluster,
                "token": token})
    assert form(tokens["ana"], "pharmapolis").status_code == 403
    assert form(tokens["rita"], "filas").status_code == 403
    assert form("not-a-token", "filas").status_code == 403
    assert snapshot(store) == before
    assert form(tokens["ana"], "filas").status_code == 201


def test_api_me_names_the_account_of_the_token(client, tokens):
    assert client.get("/api/me").json is None
    me = client.get("/api/me", headers=bearer(tokens["ana"])).json
    assert me == {"name": "ana", "role": "manager", "clusters":
                  ["https://w3id.org/amikg/id/cluster/filas"], "password": False, "oidc": None}


def test_users_password_sets_a_hashed_password(runner, client, tokens, accounts_file):
    r = runner.invoke(["users", "password", "ana"], input="a long pass phrase\na long pass phrase\n")
    assert r.exit_code == 0, r.output
    assert b"a long pass phrase" not in accounts_file.read_bytes()
    from amikg.access import AccountBook

    book = AccountBook(str(accounts_file))
    assert book.check_password("ana", "a long pass phrase").name == "ana"
    book.close()
    short = runner.invoke(["users", "password", "ana"], input="short\nshort\n",
                          catch_exceptions=True)
    assert short.exit_code == 2 and "10 characters" in short.output


# -- the command line's writes, made as an account (AMIKG_ACCOUNT_TOKEN) ------------------------

@pytest.fixture
def store_dir(bundled_store_dir, tmp_path):
    import shutil

    path = tmp_path / "store"
    shutil.copytree(bundled_store_dir, path)
    return path


def quads_in(path) -> set:
    from amikg.store import open_store

    with open_store(str(path)) as s:
        return set(s.quads())


@pytest.mark.parametrize("who", ["ana", "rita", "stew"])
def test_restore_is_refused_to_every_role_but_admin(runner, tokens, store_dir, tmp_path,
                                                    monkeypatch, who):
    """A restore replaces every graph ("any graph"): only an admin may; the store is unchanged,
    nothing is moved aside, and the refusal is in the audit log."""
    dump = tmp_path / "other.nq"
    dump.write_text('<urn:x:s> <urn:x:p> "restored" <urn:x:g> .\n')
    before = quads_in(store_dir)
    monkeypatch.setenv("AMIKG_ACCOUNT_TOKEN", tokens[who])
    r = runner.invoke(["restore", str(dump), "--store", str(store_dir)], catch_exceptions=True)
    assert r.exit_code == 2, r.output
    assert "refused" in r.stderr and "may not write any graph; nothing was written" in r.stderr
    assert quads_in(store_dir) == before
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name]
    monkeypatch.delenv("AMIKG_ACCOUNT_TOKEN")
    log = __import__("json").loads(runner.invoke(["audit", "--json", "--account", who]).stdout)
    assert [(e["action"], e["graphs"], e["outcome"]) for e in log] == \
        [("restore other.nq", ["*"], "refused")]


def test_restore_as_an_admin_account_and_a_token_that_is_no_accounts(runner, tokens, store_dir,
                                                                     tmp_path, monkeypatch):
    dump = tmp_path / "other.nq"
    dump.write_text('<urn:x:s> <urn:x:p> "restored" <urn:x:g> .\n')
    before = quads_in(store_dir)
    monkeypatch.setenv("AMIKG_ACCOUNT_TOKEN", "not-a-token")
    r = runner.invoke(["restore", str(dump), "--store", str(store_dir)], catch_exceptions=True)
    assert r.exit_code == 2 and "AMIKG_ACCOUNT_TOKEN is not the token of an account" in r.stderr
    assert quads_in(store_dir) == before
    monkeypatch.setenv("AMIKG_ACCOUNT_TOKEN", tokens["adm"])
    r = runner.invoke(["restore", str(dump), "--store", str(store_dir)])
    assert r.exit_code == 0, r.output
    assert {q.object.value for q in quads_in(store_dir)} == {"restored"}
    monkeypatch.delenv("AMIKG_ACCOUNT_TOKEN")
    log = __import__("json").loads(runner.invoke(["audit", "--json"]).stdout)
    assert (log[0]["account"], log[0]["action"], log[0]["outcome"]) == \
        ("adm", "restore other.nq", "written")


def test_command_line_writes_as_an_account_follow_its_rights(runner, tokens, store_dir,
                                                             monkeypatch):
    """A manager's token: its own cluster's import is written (and names it in the provenance),
    another cluster's is refused; a load, which may write any graph, is refused."""
    members = str(EXAMPLES / "members.csv")
    monkeypatch.setenv("AMIKG_ACCOUNT_TOKEN", tokens["ana"])
    before = quads_in(store_dir)
    for args in (["import", members, "--cluster", "pharmapolis"],
                 ["load", str(ROOT / "tests" / "data" / "sample.ttl")]):
        r = runner.invoke([*args, "--store", str(store_dir)], catch_exceptions=True)
        assert r.exit_code == 2 and "ana (manager) may not write" in r.stderr, r.output
    assert quads_in(store_dir) == before
    r = runner.invoke(["import", members, "--cluster", "filas", "--store", str(store_dir)])
    assert r.exit_code == 0, r.output
    agents = {q.object.value for q in quads_in(store_dir)
              if q.predicate.value == "http://www.w3.org/ns/prov#wasAssociatedWith"}
    assert "https://w3id.org/amikg/id/agent/ana" in agents
