//! Command-line arguments (clap). Every flag has help text.

use crate::thresholds::ThresholdArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// gapmap — the digital access map of Jelgavas novads: where people can get
/// online, where coverage is missing, and how the build-out is going.
#[derive(Debug, Parser)]
#[command(name = "gapmap", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Log more (repeat for more detail); or set RUST_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str =
    "Exit status: 0 ok, 1 other failure, 2 invalid input (nothing written), 64 usage error.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the map, the APIs and the feature service over HTTP.
    Serve(ServeArgs),
    /// Validate files and report every problem; writes nothing.
    Check(CheckArgs),
    /// Validate files and write them into a store, in one transaction.
    Ingest(IngestArgs),
    /// Compute coverage gaps and write per-point results and aggregates.
    Gaps(GapsArgs),
    /// Manage the accounts that may edit (editor, admin) and their API tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// Write deterministic synthetic data (labelled simulated).
    Synth(SynthArgs),
    /// The IT department's planner: access points, upgrades, the mobile class, progress.
    Plan(crate::plan::PlanArgs),
    /// Export a published collection as GeoJSON, CSV or GeoPackage (WGS84 or EPSG:3059), or every tileset as PMTiles.
    Export(crate::export::ExportArgs),
    /// List the open sources gapmap knows: publisher, address, licence, credit, format, layer and field mapping.
    Sources(SourcesArgs),
    /// Download (or take from --from-dir) the open sources and apply each in one transaction.
    Update(UpdateArgs),
    /// Place sites and buildings at their addresses in the VZD register (or geocode a CSV of addresses).
    Geocode(GeocodeArgs),
    /// Move a store between GeoPackage and PostGIS.
    #[command(subcommand)]
    Store(StoreCommand),
}

/// `gapmap store …`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy a store — every layer, its revision, accounts and API tokens, the audit log, reports, the ingest and update logs — into an empty one (GeoPackage file or postgresql:// URL, either direction), in one transaction, then verify both by counts and per-layer checksums. Sessions and throttles are not copied.
    Copy {
        /// The store to read.
        #[arg(value_parser = crate::load::parse_store)]
        from: gapmap_store::Location,
        /// The store to write: a GeoPackage file (created if missing) or a postgresql:// URL (migrated as needed); it must hold no features, accounts or logs.
        #[arg(value_parser = crate::load::parse_store)]
        to: gapmap_store::Location,
        /// Print the verification as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GapsFormat {
    Csv,
    Geojson,
}

#[derive(Debug, Args)]
pub struct GapsArgs {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: Option<gapmap_store::Location>,
    /// Folder to write points.{csv|geojson}, parishes.csv, grid.geojson, clusters.geojson and summary.json into.
    #[arg(long)]
    pub out: PathBuf,
    /// Format of the per-point results (they hold exact positions and residents: for internal use).
    #[arg(long, value_enum, default_value = "csv")]
    pub format: GapsFormat,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// Print the phase timings as JSON on stdout (for benchmarks).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long, env = "GAPMAP_HOST")]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one and prints it [default: 8080].
    #[arg(long, env = "GAPMAP_PORT")]
    pub port: Option<u16>,
    /// The store to serve: a GeoPackage file, or a postgresql:// URL of a PostGIS store shared by several servers [default: the embedded Jelgavas novads dataset, built on first start in the data directory].
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: Option<gapmap_store::Location>,
    /// TOML configuration file ([server], [web] and [thresholds] sections).
    #[arg(long, env = "GAPMAP_CONFIG")]
    pub config: Option<PathBuf>,
    /// Token for POST /admin/reload (else from the config file).
    #[arg(long, env = "GAPMAP_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// How often to check the store for changes, in milliseconds (0: never).
    #[arg(long, env = "GAPMAP_RELOAD_POLL_MS")]
    pub reload_poll_ms: Option<u64>,
    /// Public base URL for absolute links and QR codes, e.g. https://karte.example.lv [default: the listen address].
    #[arg(long, env = "GAPMAP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The public map's tiles from a PMTiles archive on static hosting (`gapmap export --format pmtiles`): its http(s) URL or a path on this site; sets [web] tiles_url [default: this server's tiles].
    #[arg(long, env = "GAPMAP_TILES_URL")]
    pub tiles_url: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayerArg {
    Sites,
    Areas,
    Coverage,
    Demand,
    #[value(name = "priority_zones", alias = "priority-zones")]
    PriorityZones,
    Plan,
    Settlements,
    Equipment,
    Visits,
    Buildings,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Geojson,
    Csv,
    Gpkg,
    Shp,
    VzdAddress,
    CsbGrid,
    Plan,
    CultureCentres,
    Libraries,
    Schools,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceArg {
    Official,
    Approximate,
    Simulated,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The layer the files hold; inferred from the properties when unambiguous.
    #[arg(long, value_enum)]
    pub layer: Option<LayerArg>,
    /// The file format; by default from the name and first line.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// CRS of the coordinates when the file does not say, e.g. EPSG:3059 (LKS-92).
    #[arg(long)]
    pub crs: Option<String>,
    /// Provenance for features that carry none: official, approximate or simulated.
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// Provenance reference (URL or document) for features that carry none.
    #[arg(long)]
    pub source_ref: Option<String>,
    /// Provenance date (YYYY-MM-DD) for features that carry none.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Fix what can be fixed (swapped axes, open rings, invalid polygons) and report each change.
    #[arg(long)]
    pub repair: bool,
    /// Read gapmap field TO from the file's field FROM, e.g. name=L1_name (repeatable).
    #[arg(long = "rename", value_name = "TO=FROM")]
    pub rename: Vec<String>,
    /// Give every feature FIELD=VALUE, e.g. kind=parish (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Keep only features whose FIELD equals VALUE, e.g. L0_code=LV0030000 (repeatable; all must hold).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub where_: Vec<String>,
    /// Sanity box min_lon,min_lat,max_lon,max_lat for coordinates [default: the Baltic states]; "world" to switch it off.
    #[arg(long)]
    pub sanity_box: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `gapmap user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; prints a generated password unless --password-stdin.
    Add {
        #[command(flatten)]
        store: StoreArg,
        /// User name: 2–40 characters a–z, 0–9, `.`, `_`, `-`.
        name: String,
        /// editor: changes places and equipment, reviews reports; admin: also manages accounts.
        #[arg(long, value_parser = ["editor", "admin"])]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (every session of the account ends).
    Passwd {
        #[command(flatten)]
        store: StoreArg,
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: no sign-in, sessions end, tokens stop working.
    Disable {
        #[command(flatten)]
        store: StoreArg,
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        store: StoreArg,
        name: String,
    },
    /// List the accounts (and, with --tokens, their API tokens).
    List {
        #[command(flatten)]
        store: StoreArg,
        /// Also list API tokens (never their secrets).
        #[arg(long)]
        tokens: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create an API token for scripts; the token is printed once.
    Token {
        #[command(flatten)]
        store: StoreArg,
        name: String,
        /// What the token is for, e.g. "nightly inventory import".
        #[arg(long)]
        label: String,
        /// The token's role (at most the account's) [default: the account's].
        #[arg(long, value_parser = ["editor", "admin"])]
        role: Option<String>,
    },
    /// Revoke an API token by its number (see `gapmap user list --tokens`).
    Revoke {
        #[command(flatten)]
        store: StoreArg,
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct StoreArg {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: Option<gapmap_store::Location>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A store whose sites equipment and visits may refer to (else only the sites files given before them).
    #[arg(long, value_parser = crate::load::parse_store)]
    pub store: Option<gapmap_store::Location>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The store to write: a GeoPackage file (created if missing) or a postgresql:// URL (migrated as needed).
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: gapmap_store::Location,
    /// Why, for the audit log [default: "ingest of FILE"].
    #[arg(long)]
    pub reason: Option<String>,
    /// upsert: add and update by id; replace: the files become the whole layer;
    /// merge: like upsert, but fields the file lacks keep their stored values.
    #[arg(long, default_value = "upsert", value_parser = ["upsert", "replace", "merge"])]
    pub mode: String,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Scale {
    /// One parish-sized area (about 2,000 residents, 50 km²).
    Parish,
    /// Jelgavas novads-sized (about 33,000 residents).
    Municipality,
    /// All of Latvia (about 1.9 million residents, about 1M demand points).
    Latvia,
    /// The embedded dataset's simulated layers, from geodata/jelgava/areas.geojson and sites.geojson.
    Jelgava,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// How much to make.
    #[arg(long, value_enum, default_value = "parish")]
    pub scale: Scale,
    /// Random seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder with areas.geojson and sites.geojson (for --scale jelgava).
    #[arg(long, default_value = "geodata/jelgava")]
    pub geodata: PathBuf,
    /// Also write demand as GeoJSON (demand.geojson), e.g. for benchmarks against GDAL.
    #[arg(long)]
    pub geojson: bool,
    /// Also write a VZD address register (addresses.csv, the AW_EKA buildings
    /// file) with one address per demand point: street addresses and
    /// homestead names, e.g. for the gazetteer benchmark (`--scale latvia`:
    /// national size).
    #[arg(long)]
    pub addresses: bool,
    /// The as_of date written on every feature.
    #[arg(long, default_value = "2026-11-25")]
    pub as_of: String,
}

#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: Option<gapmap_store::Location>,
    /// Take the files from this folder (named as `gapmap sources` lists them) instead of downloading.
    #[arg(long)]
    pub from_dir: Option<PathBuf>,
    /// Print what would change (added, changed, retired per layer) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Download a source from this address instead of the known one (NAME=URL, repeatable).
    #[arg(long = "url", value_name = "NAME=URL")]
    pub urls: Vec<String>,
    /// The as-of date of the files (YYYY-MM-DD) [default: Last-Modified; --from-dir: the folder's sources.csv, else the file's date].
    #[arg(long)]
    pub as_of: Option<String>,
    /// The largest download accepted, bytes [default: each source's own limit].
    #[arg(long)]
    pub max_bytes: Option<u64>,
    /// Seconds to wait for a connection, and for the server to answer each read.
    #[arg(long, default_value_t = 30)]
    pub timeout_s: u64,
    /// The municipality's code in the boundary file (L0_code).
    #[arg(long, default_value = "LV0030000")]
    pub municipality_code: String,
    /// Do not place sites and buildings at their addresses afterwards.
    #[arg(long)]
    pub no_geocode: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Sources to update (see `gapmap sources`) [default: every source a file or address is known for].
    pub sources: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GeocodeArgs {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, value_parser = crate::load::parse_store, env = "GAPMAP_STORE")]
    pub store: Option<gapmap_store::Location>,
    /// Report what would move and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Geocode the addresses of this CSV (column `address`, optional `parish`) instead of the sites and buildings.
    #[arg(long, requires = "out")]
    pub input: Option<PathBuf>,
    /// Where to write the results of --input (CSV).
    #[arg(long, requires = "input")]
    pub out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parse arguments; on error print clap's message and return exit status 64
/// (0 for --help and --version).
pub fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        let _ = e.print();
        match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                ExitCode::SUCCESS
            }
            _ => ExitCode::from(64),
        }
    })
}
