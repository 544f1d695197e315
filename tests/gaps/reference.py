"""An independent implementation of gapmap's per-point gap facts and classes,
written with GeoPandas / Shapely 2 / pyproj the way a GIS analyst would
(sjoin with `covered_by`, STRtree nearest). It reads ONLY the input layers
(sites, coverage, demand files) and never any output of gapmap.

Definitions (../shared/design/ARCHITECTURE.md, "Gaps" and "Interfaces"):
- geometry is planar EPSG:3059 metres (pyproj, always_xy);
- a polygon covers its boundary but not its holes (shapely `covers`);
- best service = highest down speed among all covering services, ties higher up;
- `service` defaults from technology: lte/nr5g mobile, everything else fixed;
- fixed_providers = distinct providers of covering FIXED services, technology
  `satellite` excluded;
- fixed class: gigabit (down ≥ 1000 and up ≥ 150), served (down ≥ 100),
  underserved (down ≥ 30), unserved (otherwise, also no fixed service);
- mobile class: none, lt2 (< 2), 2to30 (< 30), ge30;
- wifi = active sites with free_wifi true; library/kac = active sites of that
  kind; any = active sites with free_wifi true, or kind library/kac/wifi, or
  public_computers > 0, or services containing free_wifi, public_computers or
  eservice_help;
- public_access = near when the nearest free Wi-Fi is at d ≤ near_m;
- digitally_underserved = fixed class underserved/unserved and access far.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

WORKING_CRS = "EPSG:3059"
MOBILE_TECH = {"lte", "nr5g"}
ANY_SERVICES = {"free_wifi", "public_computers", "eservice_help"}


@dataclass
class Thresholds:
    gigabit_down_mbps: float = 1000.0
    gigabit_up_mbps: float = 150.0
    served_down_mbps: float = 100.0
    underserved_down_mbps: float = 30.0
    mobile_low_mbps: float = 2.0
    mobile_high_mbps: float = 30.0
    near_m: float = 1500.0


@dataclass
class Inputs:
    """Input layers, all in the working CRS (EPSG:3059)."""
    demand: gpd.GeoDataFrame  # id, residents, geometry
    coverage: gpd.GeoDataFrame  # id, provider, technology, service, max_down_mbps, max_up_mbps
    sites: gpd.GeoDataFrame  # id, kind, status, free_wifi, public_computers, services
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- loading

def _to_working(gdf: gpd.GeoDataFrame, crs: str | None) -> gpd.GeoDataFrame:
    """Project to EPSG:3059. `crs` overrides the file's CRS (like `--crs`)."""
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    elif gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    if gdf.crs.to_epsg() == 3059:
        return gdf
    # GeoPandas projects through pyproj with always_xy semantics for CRS84
    # GeoJSON; do it explicitly so the axis order is never in doubt.
    t = Transformer.from_crs(gdf.crs, WORKING_CRS, always_xy=True)
    geoms = shapely.transform(gdf.geometry.values, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=list(geoms), crs=WORKING_CRS)


def _read_geojson(path: Path, crs: str | None) -> gpd.GeoDataFrame:
    """GeoJSON with the feature `id` as a column (pyogrio keeps it only as FID
    for integers, so read ids from the JSON itself)."""
    raw = json.loads(Path(path).read_text())
    feats = raw["features"]
    gdf = gpd.GeoDataFrame.from_features(feats)
    ids = [f.get("id", (f.get("properties") or {}).get("id")) for f in feats]
    gdf["id"] = [str(i) for i in ids]
    return _to_working(gdf, crs)


def read_demand(path: Path, crs: str | None = None) -> gpd.GeoDataFrame:
    path = Path(path)
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype={"id": str, "parish_id": str})
        if {"lon", "lat"} <= set(df.columns):
            gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
        else:
            gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)
        return _to_working(gdf, crs)
    return _read_geojson(path, crs)


def read_coverage(path: Path, crs: str | None = None) -> gpd.GeoDataFrame:
    gdf = _read_geojson(path, crs)
    if "service" not in gdf.columns:
        gdf["service"] = None
    default = np.where(gdf["technology"].isin(list(MOBILE_TECH)), "mobile", "fixed")
    gdf["service"] = np.where(gdf["service"].isna(), default, gdf["service"])
    return gdf


def read_sites(path: Path | None, crs: str | None = None) -> gpd.GeoDataFrame:
    if path is None:
        return gpd.GeoDataFrame({"id": [], "kind": [], "status": [], "free_wifi": [], "public_computers": [], "services": []},
                                geometry=[], crs=WORKING_CRS)
    gdf = _read_geojson(path, crs)
    for col, default in [("status", "active"), ("free_wifi", None), ("public_computers", None), ("services", None)]:
        if col not in gdf.columns:
            gdf[col] = default
    gdf["status"] = gdf["status"].fillna("active")
    return gdf


def load(demand: Path, coverage: Path, sites: Path | None, crs: str | None = None) -> Inputs:
    return Inputs(read_demand(demand, crs), read_coverage(coverage, crs), read_sites(sites, crs))


# ---------------------------------------------------------------- analysis

def site_masks(sites: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    active = (sites["status"] == "active").to_numpy()
    wifi = np.array([v is True or v is np.True_ for v in sites["free_wifi"]], dtype=bool)
    kind = sites["kind"].to_numpy()
    pcs = np.array([(v is not None and not (isinstance(v, float) and np.isnan(v)) and v > 0) for v in sites["public_computers"]], dtype=bool)
    svc = np.array([bool(set(v) & ANY_SERVICES) if isinstance(v, (list, tuple)) else False for v in sites["services"]], dtype=bool)
    return {
        "wifi": active & wifi,
        "library": active & (kind == "library"),
        "kac": active & (kind == "kac"),
        "any": active & (wifi | np.isin(kind, ["library", "kac", "wifi"]) | pcs | svc),
    }


def nearest_distances(demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Planar distance (EPSG:3059 m) to the nearest site of each kind; NaN if none."""
    out = pd.DataFrame(index=demand.index)
    masks = site_masks(sites) if len(sites) else {k: np.zeros(0, bool) for k in ("wifi", "library", "kac", "any")}
    pts = demand.geometry.values
    for kind, m in masks.items():
        sel = sites.geometry.values[m] if len(sites) else np.array([])
        if len(sel) == 0:
            out[f"{kind}_m"] = np.nan
            continue
        tree = shapely.STRtree(sel)
        (ip, _), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        d = np.full(len(pts), np.nan)
        d[ip] = dist
        out[f"{kind}_m"] = d
    return out


def coverage_facts(demand: gpd.GeoDataFrame, coverage: gpd.GeoDataFrame) -> pd.DataFrame:
    """Best fixed (technology, down, up, the technologies tied with it), best
    mobile down and the number of terrestrial fixed providers per point."""
    cov = coverage[["provider", "technology", "service", "max_down_mbps", "max_up_mbps", "geometry"]]
    j = gpd.sjoin(demand[["geometry"]], cov, how="inner", predicate="covered_by")
    j = j.reset_index(names="pt")
    out = pd.DataFrame(index=demand.index)
    fixed = j[j["service"] == "fixed"]
    mobile = j[j["service"] == "mobile"]
    best = fixed.sort_values(["pt", "max_down_mbps", "max_up_mbps"], ascending=[True, False, False]).groupby("pt").head(1).set_index("pt")
    out["best_fixed_technology"] = best["technology"]
    out["best_fixed_down_mbps"] = best["max_down_mbps"]
    out["best_fixed_up_mbps"] = best["max_up_mbps"]
    # Technologies of every fixed service tied with the best (same down and up).
    tied = fixed.merge(best[["max_down_mbps", "max_up_mbps"]].reset_index(), on=["pt", "max_down_mbps", "max_up_mbps"])
    out["best_fixed_technologies"] = tied.groupby("pt")["technology"].agg(lambda s: frozenset(s))
    out["best_mobile_down_mbps"] = mobile.groupby("pt")["max_down_mbps"].max()
    terrestrial = fixed[fixed["technology"] != "satellite"]
    out["fixed_providers"] = terrestrial.groupby("pt")["provider"].nunique()
    out["fixed_providers"] = out["fixed_providers"].fillna(0).astype(int)
    return out


def fixed_class(down, up, t: Thresholds) -> str:
    if down is None or (isinstance(down, float) and np.isnan(down)):
        return "unserved"
    if down >= t.gigabit_down_mbps and up >= t.gigabit_up_mbps:
        return "gigabit"
    if down >= t.served_down_mbps:
        return "served"
    if down >= t.underserved_down_mbps:
        return "underserved"
    return "unserved"


def mobile_class(down, t: Thresholds) -> str:
    if down is None or (isinstance(down, float) and np.isnan(down)):
        return "none"
    if down < t.mobile_low_mbps:
        return "lt2"
    if down < t.mobile_high_mbps:
        return "2to30"
    return "ge30"


def classify(facts: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    out = facts.copy()
    out["fixed_class"] = [fixed_class(d, u, t) for d, u in zip(facts["best_fixed_down_mbps"], facts["best_fixed_up_mbps"])]
    out["mobile_class"] = [mobile_class(d, t) for d in facts["best_mobile_down_mbps"]]
    near = facts["wifi_m"].notna() & (facts["wifi_m"] <= t.near_m)
    out["public_access"] = np.where(near, "near", "far")
    out["digitally_underserved"] = out["fixed_class"].isin(["underserved", "unserved"]) & ~near
    return out


def facts(inp: Inputs) -> pd.DataFrame:
    """Threshold-independent facts per demand point, indexed by demand id."""
    d = inp.demand.reset_index(drop=True)
    f = coverage_facts(d, inp.coverage).join(nearest_distances(d, inp.sites))
    f["residents"] = d["residents"].astype(int)
    f.index = d["id"].astype(str)
    f.index.name = "id"
    return f


def analyse(inp: Inputs, t: Thresholds | None = None) -> pd.DataFrame:
    return classify(facts(inp), t or Thresholds())


def residents_by(result: pd.DataFrame, column: str) -> dict:
    return {str(k): int(v) for k, v in result.groupby(column)["residents"].sum().items()}
