//! Embed the default dataset (geodata/jelgava/) in the binary, so that
//! `gapmap serve` with no arguments works from any directory.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../geodata/jelgava");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".geojson") || n.ends_with(".csv") || n == "plan.json")
                .collect()
        })
        .unwrap_or_default();
    // The open sources' files in their published formats, applied by
    // `gapmap update --from-dir` (dataset.rs): every file of sources/.
    let sources = dir.join("sources");
    println!("cargo:rerun-if-changed={}", sources.display());
    names.extend(
        std::fs::read_dir(&sources)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .map(|e| format!("sources/{}", e.file_name().to_string_lossy()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    names.sort();
    let mut hash = Sha256::new();
    let mut code = String::from(
        "/// The embedded dataset: (file name, bytes).\npub const FILES: &[(&str, &[u8])] = &[\n",
    );
    for n in &names {
        let path = dir.join(n).canonicalize().expect("listed file exists");
        println!("cargo:rerun-if-changed={}", path.display());
        hash.update(n.as_bytes());
        hash.update(std::fs::read(&path).expect("readable geodata file"));
        let _ = writeln!(
            code,
            "    ({n:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let digest: String = hash
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let _ = writeln!(
        code,
        "/// A hash of the embedded files; the default store is rebuilt when it changes.\npub const HASH: &str = {digest:?};"
    );
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
