"""The gap analysis of issue 4 written the way a GeoPandas analyst would.

    python geopandas_pipeline.py DATA_DIR OUT_JSON

Reads DATA_DIR/{demand,coverage,sites,areas}.geojson (the files `gapmap synth`
writes and every tool in bench/gaps reads), then, timed apart from loading:

  1. projects every layer to EPSG:3059 (LKS-92, planar metres);
  2. sjoin(predicate="covered_by") demand x coverage (a polygon covers its
     boundary, not its holes -- the gapmap rule);
  3. best fixed and best mobile service per point: highest down, ties by
     higher up (groupby idxmax on down after sorting by up);
  4. the number of distinct terrestrial fixed providers (satellite excluded);
  5. sjoin_nearest to the active free-Wi-Fi sites, libraries, KAC points and
     any public access place (straight-line distance);
  6. classifies (fixed gigabit/served/underserved/unserved, mobile
     none/lt2/2to30/ge30, public access near/far at 1500 m, digitally
     under-served = below served and far);
  7. aggregates residents per parish (groupby) and in total.

Writes OUT_JSON: timings (s) per phase, the class counts (residents) in total
and per parish, for run.sh to compare with gapmap and PostGIS. Thresholds are
the gapmap defaults (crates/gapmap-model/src/thresholds.rs).
"""

import json
import sys
import time

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402

GIGABIT_DOWN, GIGABIT_UP, SERVED_DOWN, UNDERSERVED_DOWN = 1000.0, 150.0, 100.0, 30.0
MOBILE_LOW, MOBILE_HIGH, NEAR_M = 2.0, 30.0, 1500.0
WORKING_CRS = 3059


def main(data, out):
    timings = {}
    clock = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    # --- load (not part of the analysis) --------------------------------
    demand = gpd.read_file(f"{data}/demand.geojson", columns=["residents", "parish_id"], engine="pyogrio")
    coverage = gpd.read_file(
        f"{data}/coverage.geojson",
        columns=["provider", "technology", "service", "max_down_mbps", "max_up_mbps"],
        engine="pyogrio",
    )
    sites = gpd.read_file(f"{data}/sites.geojson", engine="pyogrio")
    areas = gpd.read_file(f"{data}/areas.geojson", engine="pyogrio")
    lap("load")

    # --- 1. project ------------------------------------------------------
    demand = demand.to_crs(WORKING_CRS)
    coverage = coverage.to_crs(WORKING_CRS)
    sites = sites.to_crs(WORKING_CRS)
    areas = areas.to_crs(WORKING_CRS)
    lap("project")

    # --- 2-4. coverage per point ----------------------------------------
    pts = demand[["geometry"]]
    j = gpd.sjoin(
        pts,
        coverage[["geometry", "provider", "technology", "service", "max_down_mbps", "max_up_mbps"]],
        how="inner",
        predicate="covered_by",
    )
    j = pd.DataFrame(j.drop(columns="geometry")).rename_axis("pt").reset_index()
    lap("sjoin_coverage")

    def best(service):
        s = j[j["service"] == service].sort_values("max_up_mbps", ascending=False, kind="stable")
        idx = s.groupby("pt")["max_down_mbps"].idxmax()
        return s.loc[idx.values].set_index("pt")[["max_down_mbps", "max_up_mbps"]]

    best_fixed = best("fixed")
    best_mobile = best("mobile")
    providers = (
        j[(j["service"] == "fixed") & (j["technology"] != "satellite")].groupby("pt")["provider"].nunique()
    )
    df = pd.DataFrame(index=demand.index)
    df["residents"] = demand["residents"].astype("int64")
    df["parish_id"] = demand["parish_id"]
    df["fixed_down"] = best_fixed["max_down_mbps"]
    df["fixed_up"] = best_fixed["max_up_mbps"]
    df["mobile_down"] = best_mobile["max_down_mbps"]
    df["fixed_providers"] = providers.reindex(df.index).fillna(0).astype("int64")
    lap("best_service")

    # --- 5. nearest public access places --------------------------------
    status = sites["status"] if "status" in sites else pd.Series("active", index=sites.index)
    active = status.fillna("active") == "active"
    free_wifi = sites["free_wifi"].fillna(False).astype(bool) if "free_wifi" in sites else pd.Series(False, index=sites.index)
    kind = sites["kind"]
    computers = (
        pd.to_numeric(sites["public_computers"], errors="coerce").fillna(0) > 0
        if "public_computers" in sites
        else pd.Series(False, index=sites.index)
    )
    if "services" in sites:
        services = sites["services"].apply(
            lambda v: bool(set(v if isinstance(v, (list, tuple)) else str(v or "").split(","))
                           & {"free_wifi", "public_computers", "eservice_help"})
        )
    else:
        services = pd.Series(False, index=sites.index)
    kinds = {
        "wifi": active & free_wifi,
        "library": active & (kind == "library"),
        "kac": active & (kind == "kac"),
        "any": active & (free_wifi | kind.isin(["library", "kac", "wifi"]) | computers | services),
    }
    for name, mask in kinds.items():
        nearest = gpd.sjoin_nearest(pts, sites.loc[mask, ["geometry"]], how="left", distance_col="d")
        df[f"{name}_m"] = nearest[~nearest.index.duplicated()]["d"]
    lap("sjoin_nearest")

    # --- 6. classify ------------------------------------------------------
    fd, fu, md = df["fixed_down"], df["fixed_up"], df["mobile_down"]
    df["fixed_class"] = np.select(
        [(fd >= GIGABIT_DOWN) & (fu >= GIGABIT_UP), fd >= SERVED_DOWN, fd >= UNDERSERVED_DOWN],
        ["gigabit", "served", "underserved"],
        "unserved",
    )
    df["mobile_class"] = np.select([md.isna(), md < MOBILE_LOW, md < MOBILE_HIGH], ["none", "lt2", "2to30"], "ge30")
    df["public_access"] = np.where(df["wifi_m"] <= NEAR_M, "near", "far")
    df["digitally_underserved"] = df["fixed_class"].isin(["underserved", "unserved"]) & (df["public_access"] == "far")
    df["providers_class"] = np.select([df["fixed_providers"] == 0, df["fixed_providers"] == 1], ["none", "one"], "several")
    lap("classify")

    # --- 7. aggregate per parish ----------------------------------------
    parts = []
    for col, prefix in [("fixed_class", ""), ("mobile_class", "mobile_"), ("public_access", ""), ("providers_class", "providers_")]:
        parts.append(df.groupby(["parish_id", col])["residents"].sum().unstack(fill_value=0).add_prefix(prefix))
    du = df["residents"].where(df["digitally_underserved"], 0)
    parts.append(du.groupby(df["parish_id"]).sum().rename("digitally_underserved").to_frame())
    parts.append(df.groupby("parish_id")["residents"].sum().to_frame())
    per_parish = pd.concat(parts, axis=1).fillna(0).astype("int64")
    lap("aggregate")

    analysis_s = round(sum(v for k, v in timings.items() if k != "load"), 3)
    # Totals over every point (a point without a parish still counts).
    totals = {
        **{c: int(df.loc[df["fixed_class"] == c, "residents"].sum()) for c in ["gigabit", "served", "underserved", "unserved"]},
        **{f"mobile_{c}": int(df.loc[df["mobile_class"] == c, "residents"].sum()) for c in ["none", "lt2", "2to30", "ge30"]},
        **{c: int(df.loc[df["public_access"] == c, "residents"].sum()) for c in ["near", "far"]},
        "digitally_underserved": int(du.sum()),
        **{f"providers_{c}": int(df.loc[df["providers_class"] == c, "residents"].sum()) for c in ["none", "one", "several"]},
        "residents": int(df["residents"].sum()),
        "points": int(len(df)),
    }
    result = {
        "tool": "geopandas",
        "versions": {
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
            "pyogrio": pyogrio.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "geos": shapely.geos_version_string,
            "gdal": pyogrio.__gdal_version_string__,
        },
        "counts": {"points": len(demand), "coverage": len(coverage), "sites": len(sites), "areas": len(areas),
                   "coverage_pairs": len(j)},
        "timings_s": timings,
        "load_s": timings["load"],
        "analysis_s": analysis_s,
        "process_s": round(time.perf_counter() - T_START, 3),
        "totals": totals,
        "parishes": {str(k): {c: int(v) for c, v in row.items()} for k, row in per_parish.iterrows()},
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    print(json.dumps({k: result[k] for k in ["counts", "timings_s", "load_s", "analysis_s", "totals"]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
