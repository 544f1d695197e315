//! What an ingest is asked to do: layer, format, CRS, mapping, provenance.

use crate::format::Format;
use crate::mapping;
use chrono::NaiveDate;
use gapmap_geo::geometry::SanityBox;
use gapmap_model::{Layer, Source};

/// Provenance given on the command line for features that carry none.
#[derive(Debug, Clone, Default)]
pub struct DefaultProvenance {
    pub source: Option<Source>,
    pub source_ref: Option<String>,
    pub as_of: Option<NaiveDate>,
}

/// Options of `gapmap check` and `gapmap ingest`.
#[derive(Debug, Clone)]
pub struct Options {
    pub layer: Option<Layer>,
    pub format: Option<Format>,
    /// The CRS of coordinates when the file does not say (EPSG code).
    pub crs: Option<u16>,
    pub provenance: DefaultProvenance,
    pub repair: bool,
    /// `--rename`, `--set` and `--where`, applied before validation.
    pub mapping: mapping::FieldMapping,
    /// Who ingests and why, for the audit log (`reason` empty: the file).
    pub audit: gapmap_store::audit::Context,
    pub sanity: SanityBox,
    /// Counts features read, for a progress display.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// The ids of the sites that equipment and visits may refer to (`None`:
    /// not known, so not checked — said in a warning).
    pub known_sites: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    /// The ids of the buildings sites and equipment may name in
    /// `building_id` (`None`: not checked).
    pub known_buildings: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    /// The parishes and municipality sites and buildings must lie in
    /// ([`crate::positions`]; `None`: positions are not checked).
    pub positions: Option<std::sync::Arc<crate::positions::Positions>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            layer: None,
            format: None,
            crs: None,
            provenance: DefaultProvenance::default(),
            repair: false,
            mapping: mapping::FieldMapping::default(),
            audit: gapmap_store::audit::Context::default(),
            sanity: SanityBox::BALTIC,
            progress: None,
            known_sites: None,
            known_buildings: None,
            positions: None,
        }
    }
}
