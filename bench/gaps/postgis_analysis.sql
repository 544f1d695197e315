-- The gap analysis of issue 4 as a GIS analyst would write it in PostGIS.
--
-- Input: the tables ogr2ogr loaded from the synth GeoJSON files (EPSG:4326,
-- geometry column geom): demand, coverage, sites, areas. Every statement
-- below is part of the timed analysis (run.sh times this whole file, and
-- psql's \timing prints each statement): project to EPSG:3059, GiST indexes,
-- ST_Covers join, best service with DISTINCT ON, nearest site per kind with
-- LATERAL ... ORDER BY geom <-> p LIMIT 1, CASE classification, GROUP BY
-- parish. Thresholds are the gapmap defaults.
\set ON_ERROR_STOP 1
\timing on
SET client_min_messages = warning;

-- 1. project to LKS-92 (planar metres) and index
DROP TABLE IF EXISTS d, c, s, dc, best_fixed, best_mobile, nprov, nearest, cls, per_parish;
CREATE TABLE d AS
  SELECT ogc_fid AS id, residents::bigint AS residents, parish_id, ST_Transform(geom, 3059) AS geom FROM demand;
CREATE TABLE c AS
  SELECT ogc_fid AS id, provider, technology, service, max_down_mbps AS down, max_up_mbps AS up,
         ST_Transform(geom, 3059) AS geom
  FROM coverage;
-- sites.status is optional (absent = active)
CREATE TABLE s AS
  SELECT ogc_fid AS id, kind, coalesce(free_wifi, false) AS free_wifi, ST_Transform(geom, 3059) AS geom
  FROM sites;
CREATE INDEX d_geom ON d USING gist (geom);
CREATE INDEX c_geom ON c USING gist (geom);
CREATE INDEX s_geom ON s USING gist (geom);
ANALYZE d; ANALYZE c; ANALYZE s;

-- 2. every (point, coverage polygon) pair: a polygon covers its boundary, not its holes
CREATE TABLE dc AS
  SELECT d.id, c.service, c.technology, c.provider, c.down, c.up
  FROM d JOIN c ON ST_Covers(c.geom, d.geom);

-- 3. best fixed / mobile service per point (highest down, then up)
CREATE TABLE best_fixed AS
  SELECT DISTINCT ON (id) id, down, up FROM dc WHERE service = 'fixed' ORDER BY id, down DESC, up DESC;
CREATE TABLE best_mobile AS
  SELECT DISTINCT ON (id) id, down, up FROM dc WHERE service = 'mobile' ORDER BY id, down DESC, up DESC;
-- 4. distinct terrestrial fixed providers
CREATE TABLE nprov AS
  SELECT id, count(DISTINCT provider) AS n FROM dc
  WHERE service = 'fixed' AND technology <> 'satellite' GROUP BY id;

-- 5. nearest public access place per kind (straight line, KNN on the GiST index)
CREATE TABLE nearest AS
  SELECT d.id, w.m AS wifi_m, l.m AS library_m, k.m AS kac_m, a.m AS any_m
  FROM d
  LEFT JOIN LATERAL (SELECT ST_Distance(s.geom, d.geom) AS m FROM s WHERE s.free_wifi
                     ORDER BY s.geom <-> d.geom LIMIT 1) w ON true
  LEFT JOIN LATERAL (SELECT ST_Distance(s.geom, d.geom) AS m FROM s WHERE s.kind = 'library'
                     ORDER BY s.geom <-> d.geom LIMIT 1) l ON true
  LEFT JOIN LATERAL (SELECT ST_Distance(s.geom, d.geom) AS m FROM s WHERE s.kind = 'kac'
                     ORDER BY s.geom <-> d.geom LIMIT 1) k ON true
  LEFT JOIN LATERAL (SELECT ST_Distance(s.geom, d.geom) AS m FROM s
                     WHERE s.free_wifi OR s.kind IN ('library', 'kac', 'wifi')
                     ORDER BY s.geom <-> d.geom LIMIT 1) a ON true;

-- 6. classify
CREATE TABLE cls AS
  SELECT d.id, d.parish_id, d.residents,
    CASE WHEN bf.down >= 1000 AND bf.up >= 150 THEN 'gigabit'
         WHEN bf.down >= 100 THEN 'served'
         WHEN bf.down >= 30 THEN 'underserved'
         ELSE 'unserved' END AS fixed_class,
    CASE WHEN bm.down IS NULL THEN 'none'
         WHEN bm.down < 2 THEN 'lt2'
         WHEN bm.down < 30 THEN '2to30'
         ELSE 'ge30' END AS mobile_class,
    CASE WHEN n.wifi_m <= 1500 THEN 'near' ELSE 'far' END AS public_access,
    CASE coalesce(np.n, 0) WHEN 0 THEN 'none' WHEN 1 THEN 'one' ELSE 'several' END AS providers_class
  FROM d
  LEFT JOIN best_fixed bf USING (id)
  LEFT JOIN best_mobile bm USING (id)
  LEFT JOIN nprov np USING (id)
  LEFT JOIN nearest n USING (id);

-- 7. residents per parish
CREATE TABLE per_parish AS
  SELECT parish_id,
    sum(residents) FILTER (WHERE fixed_class = 'gigabit') AS gigabit,
    sum(residents) FILTER (WHERE fixed_class = 'served') AS served,
    sum(residents) FILTER (WHERE fixed_class = 'underserved') AS underserved,
    sum(residents) FILTER (WHERE fixed_class = 'unserved') AS unserved,
    sum(residents) FILTER (WHERE mobile_class = 'none') AS mobile_none,
    sum(residents) FILTER (WHERE mobile_class = 'lt2') AS mobile_lt2,
    sum(residents) FILTER (WHERE mobile_class = '2to30') AS mobile_2to30,
    sum(residents) FILTER (WHERE mobile_class = 'ge30') AS mobile_ge30,
    sum(residents) FILTER (WHERE public_access = 'near') AS near,
    sum(residents) FILTER (WHERE public_access = 'far') AS far,
    sum(residents) FILTER (WHERE fixed_class IN ('underserved', 'unserved') AND public_access = 'far')
      AS digitally_underserved,
    sum(residents) FILTER (WHERE providers_class = 'none') AS providers_none,
    sum(residents) FILTER (WHERE providers_class = 'one') AS providers_one,
    sum(residents) FILTER (WHERE providers_class = 'several') AS providers_several,
    sum(residents) AS residents,
    count(*) AS points
  FROM cls GROUP BY parish_id;
