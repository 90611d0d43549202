//! Every input kept for the fuzz targets, through the same checks the targets run
//! (`fuzz/src/lib.rs`): the seeds under `fuzz/seeds/<target>/` and each crash or
//! oddity a fuzz run found, kept under `fuzz/regressions/<target>/` once fixed. The
//! fuzzing itself (`cargo +nightly fuzz run`) is scripts/fuzz.sh.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod checks;

use checks::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files under `fuzz/<kind>/<target>/`, none when the folder is missing.
fn kept(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_folder_of_kept_inputs_names_a_target() {
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let name = entry.expect("readable folder").file_name();
            let name = name.to_string_lossy();
            assert!(
                TARGETS.iter().any(|(target, _)| *target == name),
                "fuzz/{kind}/{name} names no fuzz target"
            );
        }
    }
}

#[test]
fn every_target_has_seeds_and_every_kept_input_passes_its_checks() {
    let mut failures = Vec::new();
    for (target, check) in TARGETS {
        let seeds = kept("seeds", target);
        assert!(!seeds.is_empty(), "fuzz/seeds/{target} holds no seed");
        for path in seeds.iter().chain(&kept("regressions", target)) {
            let data = std::fs::read(path).expect("readable input");
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "inputs that fail their target's checks: {failures:?}"
    );
}

#[test]
fn the_token_seed_with_claims_is_verified() {
    // The signed-claims seed must reach the claims' checks and pass them, or the
    // target's signing (and with it the fuzzing of claims) is broken.
    let data = std::fs::read(fuzz_dir().join("seeds/token/signed-claims")).expect("the seed");
    assert_eq!(data.first(), Some(&1), "the seed asks for signing");
    assert!(
        checks::verifies(&data),
        "a token signed by the target is refused"
    );
}
