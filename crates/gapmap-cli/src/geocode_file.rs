//! `gapmap geocode --input addresses.csv --out results.csv`: match a list of
//! addresses (column `address`, optional `parish`: a parish name) against the
//! store's VZD register, as the sites and buildings are matched, and write
//! one row per address: `address, parish, status, lon, lat, register_id,
//! register_address, candidates` (`;`-joined). The time to load the
//! register, to index it and to match is printed (the benchmark's
//! throughput figure).

use crate::error::{CliError, other};
use gapmap_ingest::geocode::{Located, Register};
use gapmap_store::Store;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// One address to match.
struct Query {
    address: String,
    parish: Option<String>,
}

fn read_queries(input: &Path) -> Result<Vec<Query>, CliError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .map_err(|e| CliError::Usage(format!("{}: {e}", input.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| CliError::Invalid(format!("{}: {e}", input.display())))?
        .clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == n)
    };
    let Some(a) = col("address") else {
        return Err(CliError::Invalid(format!(
            "{}:1: the header has no `address` column (it has: {})",
            input.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        )));
    };
    let p = col("parish");
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row =
            row.map_err(|e| CliError::Invalid(format!("{}:{}: {e}", input.display(), i + 2)))?;
        out.push(Query {
            address: row.get(a).unwrap_or_default().to_owned(),
            parish: p
                .and_then(|p| row.get(p))
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        });
    }
    Ok(out)
}

/// Match every address and write the results; print the timings.
pub fn run(
    store: &gapmap_store::Location,
    input: &Path,
    out_path: &Path,
    json: bool,
) -> Result<(), CliError> {
    let queries = read_queries(input)?;
    let t0 = Instant::now();
    let s = Store::open_read_only(store).map_err(other)?;
    let entries = Register::from_store(&s).map_err(other)?;
    let load_s = t0.elapsed().as_secs_f64();
    let register = entries;
    let t1 = Instant::now();
    let asked: Vec<(&str, Option<&str>)> = queries
        .iter()
        .map(|q| (q.address.as_str(), q.parish.as_deref()))
        .collect();
    let results: Vec<Located> = register.locate_all(&asked);
    let match_s = t1.elapsed().as_secs_f64();
    // Written through the one CSV cell writer (gapmap_geo::csv_cell), as
    // every CSV gapmap writes.
    let mut out = String::new();
    gapmap_geo::csv_cell::record(
        &mut out,
        &[
            "address",
            "parish",
            "status",
            "lon",
            "lat",
            "register_id",
            "register_address",
            "candidates",
        ],
    );
    let mut counts = [0u64; 3];
    for (q, r) in queries.iter().zip(&results) {
        gapmap_geo::csv_cell::record(&mut out, &row_of(&register, q, r, &mut counts));
    }
    std::fs::write(out_path, out)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", out_path.display())))?;
    let rate = queries.len() as f64 / match_s.max(1e-9);
    let summary = json!({"addresses": queries.len(), "register": register.len(),
        "matched": counts[0], "ambiguous": counts[1], "unmatched": counts[2],
        "load_and_index_s": load_s, "match_s": match_s, "per_second": rate.round()});
    if json {
        out!("{summary}");
    } else {
        say!(
            "{} addresses: {} matched, {} ambiguous, {} unmatched; register of {} loaded and indexed in {load_s:.2} s, matched in {match_s:.3} s ({:.0} a second)",
            queries.len(),
            counts[0],
            counts[1],
            counts[2],
            register.len(),
            rate
        );
    }
    Ok(())
}

/// The output row of one address, counted in `counts` (matched,
/// ambiguous, unmatched).
fn row_of(register: &Register, q: &Query, r: &Located, counts: &mut [u64; 3]) -> Vec<String> {
    let mut row = vec![
        q.address.clone(),
        q.parish.clone().unwrap_or_default(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ];
    match r {
        Located::Matched { entry } => {
            counts[0] += 1;
            let e = register.entry(*entry);
            row[2] = "matched".into();
            row[3] = format!("{:.7}", e.lon);
            row[4] = format!("{:.7}", e.lat);
            row[5] = e.id.to_string();
            row[6] = e.text.to_string();
        }
        Located::Ambiguous { candidates, .. } => {
            counts[1] += 1;
            row[2] = "ambiguous".into();
            row[7] = candidates
                .iter()
                .map(|&i| register.entry(i).id.to_string())
                .collect::<Vec<_>>()
                .join(";");
        }
        Located::Unmatched { .. } => {
            counts[2] += 1;
            row[2] = "unmatched".into();
        }
    }
    row
}
