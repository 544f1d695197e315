//! The PostGIS store against a real PostgreSQL (GAPMAP_TEST_PG): the same
//! records, hashes and versions as the GeoPackage store; migrations whole
//! or not at all; writes that roll back; notifications on commit; writers
//! from many threads at once.
#![allow(clippy::unwrap_used)]

use gapmap_model::{Layer, Record};
use gapmap_store::pg::{PgStore, migrate, testdb};
use gapmap_store::{FeatureStore, Location, Mode, Store};
use geo_types::{Geometry, MultiPolygon, Point, polygon};
use postgres::fallible_iterator::FallibleIterator;
use serde_json::{Map, Value, json};

fn record(layer: Layer, id: &str, geometry: Option<Geometry<f64>>, props: Value) -> Record {
    let mut p: Map<String, Value> = serde_json::from_value(props).unwrap();
    for (k, v) in [
        ("source", json!("simulated")),
        ("source_ref", json!("test")),
        ("as_of", json!("2026-01-01")),
        ("licence", json!("CC0-1.0")),
    ] {
        p.entry(k).or_insert(v);
    }
    let mut extra = Map::new();
    if id.ends_with('1') {
        extra.insert("note".into(), json!("ārpus shēmas"));
    }
    Record {
        layer,
        id: id.into(),
        geometry,
        props: p,
        extra,
        absent: Vec::new(),
    }
}

/// Records of three layers: points with every field type, a multipolygon,
/// a table without geometry.
fn records() -> Vec<Record> {
    let area = MultiPolygon(vec![polygon![
        (x: 23.5, y: 56.5), (x: 23.9, y: 56.5), (x: 23.9, y: 56.8), (x: 23.5, y: 56.5)
    ]]);
    vec![
        record(
            Layer::Sites,
            "s-1",
            Some(Point::new(23.71, 56.65).into()),
            json!({
                "name": "Elejas bibliotēka", "kind": "library", "parish_id": "p-1", "free_wifi": true,
                "services": ["wifi", "printing"], "opening_hours": "Mo-Fr 09:00-17:00"
            }),
        ),
        record(
            Layer::Sites,
            "s-2",
            Some(Point::new(23.6, 56.6).into()),
            json!({
                "name": "Vilces KAC", "kind": "kac", "parish_id": "p-2", "free_wifi": false
            }),
        ),
        record(
            Layer::Areas,
            "p-1",
            Some(area.into()),
            json!({
                "name": "Elejas pagasts", "kind": "parish", "population": 2054, "population_date": "2025-01-01"
            }),
        ),
        record(
            Layer::Plan,
            "t-1",
            None,
            json!({
                "activity_lv": "Jauni publiskie bezvadu piekļuves punkti", "metric": "access_points", "min": 9.0, "from_year": 2027
            }),
        ),
    ]
}

fn write(store: &mut Store, recs: &[Record]) {
    let mut w = store.writer().unwrap();
    for layer in [Layer::Sites, Layer::Areas, Layer::Plan] {
        let mut lw = w.begin_layer(layer, Mode::Upsert).unwrap();
        for r in recs.iter().filter(|r| r.layer == layer) {
            w.put(&mut lw, r).unwrap();
        }
        w.end_layer(lw, "test.geojson", "geojson").unwrap();
    }
    w.commit(true).unwrap();
}

fn all(store: &Store) -> Vec<Record> {
    let mut out = Vec::new();
    for layer in Layer::ALL {
        out.extend(store.read_layer(layer).unwrap());
    }
    out
}

#[test]
fn postgis_reads_back_what_the_geopackage_store_does() {
    let Some(url) = testdb::fresh("roundtrip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut gpkg = Store::open(Location::Gpkg(dir.path().join("s.gpkg"))).unwrap();
    let mut pg = Store::open(Location::Postgres(url.clone())).unwrap();
    write(&mut gpkg, &records());
    write(&mut pg, &records());
    let (a, b) = (all(&gpkg), all(&pg));
    assert_eq!(a.len(), 4);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.id, y.id);
        assert_eq!(x.props, y.props, "{}", x.id);
        assert_eq!(x.extra, y.extra, "{}", x.id);
        assert_eq!(x.geometry, y.geometry, "{}", x.id);
    }
    for layer in Layer::ALL {
        assert_eq!(
            gpkg.feature_hashes(layer).unwrap(),
            pg.feature_hashes(layer).unwrap(),
            "{layer}"
        );
    }
    assert_eq!(pg.revision().unwrap(), 1);
    assert!(pg.version().unwrap().ends_with("-r1"));
    // Writing the same again changes nothing and counts it so.
    let mut w = pg.writer().unwrap();
    let mut lw = w.begin_layer(Layer::Sites, Mode::Upsert).unwrap();
    for r in records().iter().filter(|r| r.layer == Layer::Sites) {
        w.put(&mut lw, r).unwrap();
    }
    let c = w.end_layer(lw, "again", "geojson").unwrap();
    assert_eq!((c.added, c.changed, c.unchanged), (0, 0, 2));
    w.commit(false).unwrap();
    // A store not written by gapmap is refused with what to do.
    let Some(empty) = testdb::fresh("empty") else {
        return;
    };
    let e = PgStore::open_read_only(&empty).unwrap_err().to_string();
    assert!(e.contains("store copy"), "{e}");
}

#[test]
fn a_migration_failing_half_way_applies_nothing() {
    let Some(url) = testdb::fresh("migrate") else {
        return;
    };
    fn broken(tx: &mut postgres::Transaction) -> Result<(), postgres::Error> {
        tx.batch_execute("CREATE TABLE half (x int); SELECT * FROM no_such_table")
    }
    let mut list = migrate::MIGRATIONS.to_vec();
    list.push(migrate::Migration {
        version: 99,
        name: "broken",
        apply: broken,
    });
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let e = migrate::migrate(&mut c, &list).unwrap_err().to_string();
    assert!(
        e.contains("migration 99 (broken) failed, nothing was applied"),
        "{e}"
    );
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('sites', 'half', 'gapmap_meta', 'gapmap_migrations')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "a failed migration left tables behind");
    // The real list applies whole, once; a second run applies nothing.
    assert_eq!(
        migrate::migrate(&mut c, migrate::MIGRATIONS).unwrap(),
        vec![1, 2, 3]
    );
    assert!(
        migrate::migrate(&mut c, migrate::MIGRATIONS)
            .unwrap()
            .is_empty()
    );
    // A store from a newer gapmap is refused.
    c.execute(
        "INSERT INTO gapmap_migrations VALUES (1000, 'future', 'now')",
        &[],
    )
    .unwrap();
    let e = migrate::migrate(&mut c, migrate::MIGRATIONS)
        .unwrap_err()
        .to_string();
    assert!(e.contains("newer gapmap"), "{e}");
}

#[test]
fn a_writer_dropped_without_commit_leaves_nothing_and_a_commit_is_announced() {
    let Some(url) = testdb::fresh("rollback") else {
        return;
    };
    let mut pg = Store::open(Location::Postgres(url.clone())).unwrap();
    let mut listener = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    listener.batch_execute("LISTEN gapmap_changes").unwrap();
    {
        let mut w = pg.writer().unwrap();
        let mut lw = w.begin_layer(Layer::Sites, Mode::Upsert).unwrap();
        w.put(&mut lw, &records()[0]).unwrap();
        w.end_layer(lw, "x", "geojson").unwrap();
        // dropped: rolled back
    }
    assert!(all(&pg).is_empty());
    assert_eq!(
        listener.notifications().iter().count().unwrap(),
        0,
        "a rollback was announced"
    );
    write(&mut pg, &records());
    let mut n = listener.notifications();
    let got = n
        .timeout_iter(std::time::Duration::from_secs(5))
        .next()
        .unwrap()
        .unwrap();
    assert_eq!((got.channel(), got.payload()), ("gapmap_changes", "1"));
    // A value of the wrong type is refused, naming the feature and field.
    let mut w = pg.writer().unwrap();
    let mut lw = w.begin_layer(Layer::Areas, Mode::Upsert).unwrap();
    let bad = record(
        Layer::Areas,
        "p-9",
        None,
        json!({"name": "X", "kind": "parish", "population": "many"}),
    );
    let e = w.put(&mut lw, &bad).unwrap_err().to_string();
    assert!(e.contains("p-9") && e.contains("population"), "{e}");
}

#[test]
fn many_writers_at_once_lose_nothing() {
    let Some(url) = testdb::fresh("writers") else {
        return;
    };
    drop(Store::open(Location::Postgres(url.clone())).unwrap());
    let threads: Vec<_> = (0..24)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(Location::Postgres(url)).unwrap();
                let mut w = s.writer().unwrap();
                let mut lw = w.begin_layer(Layer::Sites, Mode::Upsert).unwrap();
                let r = record(
                    Layer::Sites,
                    &format!("s-w{i:02}"),
                    Some(Point::new(23.0 + i as f64 / 100.0, 56.6).into()),
                    json!({"name": format!("Vieta {i}"), "kind": "wifi", "parish_id": "p-1"}),
                );
                w.put(&mut lw, &r).unwrap();
                w.end_layer(lw, "thread", "geojson").unwrap();
                w.commit(true).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = Store::open_read_only(Location::Postgres(url)).unwrap();
    assert_eq!(s.read_layer(Layer::Sites).unwrap().len(), 24);
    assert_eq!(s.revision().unwrap(), 24);
    assert_eq!(s.layer_revisions().unwrap()[&Layer::Sites], 24);
}
