"""The simulated layers of the embedded dataset (demand.csv, coverage.geojson,
equipment.csv, visits.csv):
labelled simulated, made-up providers, residents that add up to each parish's
published figure, and byte-identical regeneration from the fixed seed."""

import csv
import json
from collections import Counter

from conftest import GEODATA, run_gapmap

REAL_OPERATORS = ("tet", "lmt", "bite", "tele2", "latvenergo", "baltcom")


def parishes():
    doc = json.loads((GEODATA / "areas.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["id"]: f["properties"] for f in doc["features"]}


def demand_rows():
    with open(GEODATA / "demand.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_demand_sums_to_each_parish_population():
    areas = parishes()
    by_parish = Counter()
    for r in demand_rows():
        assert r["source"] == "simulated" and r["as_of"] and r["source_ref"]
        assert int(r["residents"]) > 0
        by_parish[r["parish_id"]] += int(r["residents"])
    published = {k: v["population"] for k, v in areas.items() if v["kind"] == "parish"}
    assert dict(by_parish) == published
    municipality = next(v for v in areas.values() if v["kind"] == "municipality")
    assert sum(by_parish.values()) == municipality["population"] == sum(published.values())


def test_coverage_is_simulated_with_made_up_providers():
    doc = json.loads((GEODATA / "coverage.geojson").read_text(encoding="utf-8"))
    techs = Counter()
    for f in doc["features"]:
        p = f["properties"]
        assert p["source"] == "simulated"
        assert p["provider"].startswith("Simulēts"), p["provider"]
        assert not any(op in p["provider"].lower().split() for op in REAL_OPERATORS)
        techs[p["technology"]] += 1
    # Shaped like reality: fibre, VDSL/FWA, mobile and satellite all present.
    assert {"ftth", "vdsl", "fwa", "lte", "satellite"} <= set(techs), techs


def test_regenerating_gives_byte_identical_files(tmp_path):
    run_gapmap("synth", "--scale", "jelgava", "--geodata", GEODATA, "--out", tmp_path, check=True)
    for name in ["demand.csv", "coverage.geojson", "equipment.csv", "visits.csv"]:
        assert (tmp_path / name).read_bytes() == (GEODATA / name).read_bytes(), name
