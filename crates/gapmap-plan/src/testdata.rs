//! The embedded dataset as a snapshot, for the unit tests.

use gapmap_engine::snapshot::{DEFAULT_WORKING_CRS, Snapshot};
use gapmap_ingest::{Input, Mode, Options, detect_format, run::ingest_files};
use gapmap_model::Layer;
use gapmap_model::thresholds::Thresholds;
use gapmap_store::Store;
use std::path::Path;
use std::sync::OnceLock;

/// The embedded dataset (geodata/jelgava) ingested into a store in `dir`
/// and built into a snapshot.
pub(crate) fn jelgava_snapshot(dir: &Path) -> Snapshot {
    let mut store = Store::open(&dir.join("s.gpkg")).expect("store");
    for (file, layer) in [
        ("areas.geojson", Layer::Areas),
        ("priority_zones.geojson", Layer::PriorityZones),
        ("settlements.geojson", Layer::Settlements),
        ("sites.geojson", Layer::Sites),
        ("coverage.geojson", Layer::Coverage),
        ("demand.csv", Layer::Demand),
        ("plan.json", Layer::Plan),
        ("equipment.csv", Layer::Equipment),
        ("visits.csv", Layer::Visits),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../geodata/jelgava")
            .join(file);
        let input = Input {
            format: detect_format(&path, None).expect("format"),
            path,
        };
        let opts = Options {
            layer: Some(layer),
            ..Options::default()
        };
        let o = ingest_files(&mut store, &[input], &opts, Mode::Replace).expect("ingest");
        assert!(o.committed, "{file}: {:?}", o.problems);
    }
    Snapshot::build(&store, DEFAULT_WORKING_CRS, &Thresholds::default()).expect("snapshot")
}

/// One snapshot of the embedded dataset shared by the tests that only read.
pub(crate) fn embedded() -> &'static Snapshot {
    static SNAP: OnceLock<Snapshot> = OnceLock::new();
    SNAP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        jelgava_snapshot(dir.path())
    })
}
