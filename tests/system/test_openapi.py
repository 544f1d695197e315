"""The OpenAPI 3 document at /api/v1/openapi.json is generated from the code
and valid; every documented path answers (a signed-in one refuses an
anonymous reader with 401), and every parameter the server accepts is
documented."""

from openapi_spec_validator import validate


def test_openapi_document_is_valid(jelgava_server):
    doc = jelgava_server.get("/api/v1/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for p in ["/api/v1/sites", "/api/v1/gaps/summary", "/api/v1/gaps/parishes", "/api/v1/gaps/grid",
              "/api/v1/gaps/clusters", "/api/v1/nearest", "/api/v1/coverage", "/api/v1/layers", "/healthz"]:
        assert p in paths, p
    names = {q["name"] for q in paths["/api/v1/nearest"]["get"]["parameters"]}
    assert names == {"lon", "lat", "kind", "limit", "at"}
    names = {q["name"] for q in paths["/api/v1/gaps/summary"]["get"]["parameters"]}
    assert "near_m" in names and "served_down_mbps" in names


def test_documented_get_paths_answer(jelgava_server):
    doc = jelgava_server.get("/api/v1/openapi.json").json()
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue
        params = {q["name"]: q for q in item["get"].get("parameters", [])}
        # Path templates are filled from the documented examples.
        for q in params.values():
            if q["in"] == "path":
                example = q.get("example", q.get("schema", {}).get("example"))
                assert example is not None, f"path parameter {q['name']} of {path} has no example"
                path = path.replace("{%s}" % q["name"], str(example))
        query = {"lon": 23.6, "lat": 56.5} if "lon" in params else {}
        # Other required query parameters from their documented examples.
        for q in params.values():
            if q["in"] == "query" and q.get("required") and q["name"] not in query:
                example = q.get("example", q.get("schema", {}).get("example"))
                assert example is not None, f"required parameter {q['name']} of {path} has no example"
                query[q["name"]] = example
        r = jelgava_server.get(path, params=query)
        if item["get"].get("security"):
            # Documented as needing a token or a session: an anonymous reader
            # is told so (tests/inventory reads these signed in).
            assert r.status_code == 401, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), path
            assert r.headers["www-authenticate"].startswith("Bearer"), path
            continue
        if path == "/api/v1/reports/JN-7K4Q9X":
            # A made-up reference: no such report (tests/inventory follows real ones).
            assert r.status_code == 404, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), path
        else:
            assert r.status_code == 200, (path, r.text)
        # An undocumented parameter is refused.
        r = jelgava_server.get(path, params={**query, "undocumented": "1"})
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), path
