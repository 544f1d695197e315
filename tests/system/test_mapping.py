"""Field mapping and filtering on `gapmap check` and `gapmap ingest`
(`--rename TO=FROM`, `--set FIELD=VALUE`, `--where FIELD=VALUE`, `--mode merge`)
on real and hand-made files of every reader: the CSP boundaries (zipped
Shapefile), GeoJSON, CSV. Answers are judged against the files themselves."""

import json
import sqlite3

import pytest

from conftest import GEODATA, JELGAVA_FILES, realdata, run_gapmap

CSP = "boundaries/csp_territorial_units_lv_1.2m_2022-07-01.zip"
PROVENANCE = ["--source", "approximate", "--source-ref", "https://data.gov.lv/dati/lv/dataset/robezas",
              "--as-of", "2022-07-01"]
CSP_MAPPING = ["--layer", "areas", "--where", "L0_code=LV0030000", "--rename", "name=L1_name",
               "--rename", "atvk=L1_code", "--set", "kind=parish"]
PARISH_IDS = sorted(f["properties"]["id"] for f in json.loads(
    (GEODATA / "areas.geojson").read_text(encoding="utf-8"))["features"] if f["properties"]["kind"] == "parish")


def report(p):
    assert p.stdout.strip(), f"no JSON report (exit {p.returncode}): {p.stderr}"
    return json.loads(p.stdout)


def rows(store, sql):
    with sqlite3.connect(store) as db:
        return db.execute(sql).fetchall()


def test_the_csp_boundaries_check_in_one_command():
    p = run_gapmap("check", *CSP_MAPPING, *PROVENANCE, "--json", realdata(CSP))
    assert p.returncode == 0, p.stdout + p.stderr
    r = report(p)
    f = r["files"][0]
    assert (f["read"], f["valid"], f["filtered"]) == (592, 16, 576)
    assert r["errors"] == 0


def test_the_csp_parishes_ingest_with_slug_ids_atvk_and_their_union(tmp_path):
    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, *CSP_MAPPING, *PROVENANCE, "--json", realdata(CSP))
    assert p.returncode == 0, p.stderr
    warnings = [w["message"] for w in report(p)["problems"] if w["severity"] == "warning"]
    assert any("added municipality `jelgavas-novads` named \"Jelgavas novads\" (from field `l0_name`)" in w
               for w in warnings), warnings
    parishes = rows(store, "SELECT id, atvk FROM areas WHERE kind = 'parish' ORDER BY id")
    # The same ids as the embedded dataset's parishes: pages keyed on them stay put.
    assert [i for i, _ in parishes] == PARISH_IDS
    # The boundary file's L1_code as the statistics office writes it: LV + 7 digits.
    assert all(len(a) == 9 and a[2:].isdigit() and a.startswith("LV003") for _, a in parishes), parishes
    assert rows(store, "SELECT id, name FROM areas WHERE kind = 'municipality'") == \
        [("jelgavas-novads", "Jelgavas novads")]
    from test_realdata import gpkg_geometries, to_lks92
    geoms = gpkg_geometries(store, "areas")
    kinds = [k for (k,) in rows(store, "SELECT kind FROM areas ORDER BY fid")]
    muni = to_lks92(geoms[kinds.index("municipality")])
    assert abs(muni.area / 1e6 - 1600.7) < 1.0
    assert len(muni.geoms) == 1 and len(muni.geoms[0].interiors) == 1  # Jelgava city


def test_merge_keeps_what_the_boundary_file_lacks(tmp_path):
    store = tmp_path / "s.gpkg"
    run_gapmap("ingest", "--store", store, *[GEODATA / f for f in JELGAVA_FILES], check=True)
    before = dict(rows(store, "SELECT id, population FROM areas"))
    p = run_gapmap("ingest", "--store", store, "--mode", "merge", *CSP_MAPPING, *PROVENANCE, realdata(CSP))
    assert p.returncode == 0, p.stderr
    after = rows(store, "SELECT id, population, centre, atvk, as_of, source_note FROM areas")
    assert {i: pop for i, pop, *_ in after} == before, "populations kept"
    for i, pop, centre, atvk, as_of, note in after:
        assert as_of == "2022-07-01", i
        if i != "jelgavas-novads":
            assert centre and atvk, i  # kept from the store; given by the file
            assert note is None, "provenance is one unit: the old note described other facts"
    # upsert, by contrast, empties what the file does not give
    p = run_gapmap("ingest", "--store", store, *CSP_MAPPING, *PROVENANCE, realdata(CSP))
    assert p.returncode == 0, p.stderr
    assert {pop for _, pop in rows(store, "SELECT id, population FROM areas WHERE kind = 'parish'")} == {None}


def test_mapping_works_on_csv_and_geojson(tmp_path):
    csv = tmp_path / "vietas.csv"
    csv.write_text("kods;nosaukums;veids;lon;lat;tālrunis\n"
                   "b1;Vilces bibliotēka;bibliotēka;23.5458;56.4219;+371 63000000\n"
                   "s1;Vilces skola;skola;23.5460;56.4220;\n", encoding="utf-8")
    flags = ["--layer", "sites", "--rename", "id=kods", "--rename", "name=nosaukums",
             "--rename", "phone=tālrunis", "--set", "kind=library", "--set", "free_wifi=true",
             "--where", "veids=bibliotēka", *PROVENANCE]
    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, *flags, "--json", csv)
    assert p.returncode == 0, p.stderr
    assert report(p)["files"][0]["filtered"] == 1
    assert rows(store, "SELECT id, name, kind, free_wifi, phone FROM sites") == \
        [("b1", "Vilces bibliotēka", "library", 1, "+371 63000000")]

    gj = tmp_path / "ciemi.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NOSAUKUMS": "Vilce", "TIPS": "ciems"},
         "geometry": {"type": "Point", "coordinates": [23.5458, 56.4219]}}]}), encoding="utf-8")
    p = run_gapmap("ingest", "--store", store, "--rename", "name=NOSAUKUMS", "--rename", "kind=TIPS",
                   *PROVENANCE, "--json", gj)
    assert p.returncode == 0, p.stderr
    assert report(p)["files"][0]["layer"] == "settlements", "the layer is inferred after the mapping"
    assert rows(store, "SELECT id, name, kind FROM settlements") == [("vilce", "Vilce", "ciems")]


@pytest.mark.parametrize("flags, needle", [
    (["--rename", "name=L2_name"], "--rename name=L2_name: no feature of the file has a field `L2_name`"),
    (["--where", "L9=1"], "--where L9=1: no feature of the file has a field `L9`"),
    (["--set", "population=many"], "--set population=many: expected a whole number"),
    (["--set", "kind=pagasts"], "--set kind=pagasts: unknown kind `pagasts`"),
    (["--rename", "nosaukums=L1_name"], "--rename nosaukums=L1_name: `nosaukums` is not a field of layer areas"),
    (["--rename", "name"], "--rename `name`: expected TO=FROM"),
])
def test_a_wrong_mapping_is_a_usage_error_naming_it(tmp_path, flags, needle):
    store = tmp_path / "s.gpkg"
    base = ["--layer", "areas", "--set", "kind=parish", *PROVENANCE] if "--set" not in flags else \
        ["--layer", "areas", *PROVENANCE]
    p = run_gapmap("ingest", "--store", store, *base, *flags, realdata(CSP))
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert needle in p.stderr, p.stderr
    if "no feature" in needle:
        assert "the file's fields are: l0_code, l0_name" in p.stderr, p.stderr
    assert not store.exists() or rows(store, "SELECT count(*) FROM areas") == [(0,)]


def test_a_renamed_value_that_does_not_parse_names_the_mapping(tmp_path):
    p = run_gapmap("check", *CSP_MAPPING, "--rename", "population=L1_name", *PROVENANCE, "--json",
                   realdata(CSP))
    assert p.returncode == 2, p.stderr
    errors = [e for e in report(p)["problems"] if e["severity"] == "error"]
    assert len(errors) == 16 and all(e["field"] == "population" for e in errors)
    assert "(read by --rename population=L1_name)" in errors[0]["message"], errors[0]
