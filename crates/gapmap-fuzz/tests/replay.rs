//! Corpus replay: every file the fuzzers kept (`fuzz/corpus/<target>/`) and
//! every crash they found (`fuzz/regressions/<target>/`) goes through its
//! parser once, on stable Rust, in `make test`. A panic fails the test and
//! names the file.

use gapmap_fuzz::{Target, run};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file());
    v.sort();
    v
}

#[test]
fn every_target_has_a_corpus() {
    for t in Target::ALL {
        let n = files(&root().join("corpus").join(t.name())).len();
        assert!(n > 0, "fuzz/corpus/{} is empty", t.name());
    }
}

#[test]
fn corpus_and_regressions_replay_without_panic() {
    let mut total = 0;
    for t in Target::ALL {
        for sub in ["corpus", "regressions"] {
            for f in files(&root().join(sub).join(t.name())) {
                let data = std::fs::read(&f).unwrap_or_default();
                let r = std::panic::catch_unwind(|| run(t, &data));
                assert!(r.is_ok(), "{} panicked on {}", t.name(), f.display());
                total += 1;
            }
        }
    }
    eprintln!("replayed {total} fuzz inputs");
}
