//! `data/phone_metadata.bin` is libphonenumber's metadata as the `phonenumber`
//! crate ships it (`assets/PhoneNumberMetadata.xml` of the version in Cargo.lock),
//! compressed: this test rebuilds it from the crate's XML and fails when the
//! committed file differs; `SIDELINE_WRITE_PHONE_METADATA=1` writes it instead.

use std::path::PathBuf;
use std::process::Command;

use sideline_inline::phones;

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/phone_metadata.bin")
}

/// The metadata XML of the `phonenumber` package this workspace builds with.
fn crate_xml() -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let phonenumber = packages
        .iter()
        .find(|p| p["name"] == "phonenumber")
        .expect("phonenumber among the packages");
    let manifest = PathBuf::from(
        phonenumber["manifest_path"]
            .as_str()
            .expect("manifest path"),
    );
    manifest
        .parent()
        .expect("the package's folder")
        .join("assets/PhoneNumberMetadata.xml")
}

#[test]
fn the_committed_metadata_is_the_crate_s_compressed() {
    let xml = std::fs::read(crate_xml()).expect("the crate's metadata XML");
    let metadata = phonenumber::metadata::loader::load(&xml[..]).expect("the XML loads");
    let built = phones::encode(&metadata).expect("encodes");
    if std::env::var_os("SIDELINE_WRITE_PHONE_METADATA").is_some() {
        std::fs::write(committed(), &built).expect("write the metadata");
        return;
    }
    let current = std::fs::read(committed()).expect("the committed metadata");
    assert!(
        current == built,
        "data/phone_metadata.bin differs from the phonenumber crate's metadata ({} vs {} bytes); \
         rewrite it with SIDELINE_WRITE_PHONE_METADATA=1 cargo test -p sideline-inline --test phone_metadata",
        current.len(),
        built.len()
    );
}

#[test]
fn the_committed_metadata_reads_as_the_crate_s_own() {
    let ours = phones::database().expect("the committed metadata reads");
    let theirs = &*phonenumber::metadata::DATABASE;
    let ids = |db: &phonenumber::metadata::Database| {
        let mut ids: Vec<String> = db.iter().map(|m| m.id().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(ours), ids(theirs));
    assert!(ids(ours).len() > 200);
    // The same numbers are valid, or not, under either.
    for (region, number, valid) in [
        (Some(phonenumber::country::Id::NL), "06 12345678", true),
        (Some(phonenumber::country::Id::DE), "030 123456", true),
        (Some(phonenumber::country::Id::BR), "(11) 91234-5678", true),
        (Some(phonenumber::country::Id::GB), "07911 123456", true),
        (None, "+1 202 555 0143", true),
        (Some(phonenumber::country::Id::FR), "12 34", false),
    ] {
        let check = |db| {
            phonenumber::parse_with(db, region, number)
                .is_ok_and(|n| phonenumber::is_valid_with(db, &n))
        };
        assert_eq!(check(ours), valid, "{number} ({region:?}) with ours");
        assert_eq!(
            check(theirs),
            valid,
            "{number} ({region:?}) with the crate's"
        );
    }
    // And a broken file is an error, not a panic.
    assert!(phones::decode(b"not deflate").is_err());
}
