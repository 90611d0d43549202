//! libphonenumber's metadata, kept compressed.
//!
//! The `phonenumber` crate embeds its metadata (every region's number plan) as a
//! 526 KB blob. Here the same metadata is stored deflated (`data/phone_metadata.bin`,
//! about 64 KB: postcard, as the crate stores it, then deflate) and inflated once,
//! on the first number checked; the crate's own blob is never referenced, so the
//! linker leaves it out of every bootstrap. `tests/phone_metadata.rs` rebuilds the
//! file from the crate's XML and fails when it differs (after an upgrade of
//! `phonenumber`, rewrite it with `SIDELINE_WRITE_PHONE_METADATA=1`).

use std::sync::OnceLock;

use phonenumber::metadata::loader::Metadata;
use phonenumber::metadata::Database;

static METADATA: &[u8] = include_bytes!("../data/phone_metadata.bin");

/// Largest inflated size accepted (the metadata is about 526 KB).
const MAX_INFLATED: usize = 4 * 1024 * 1024;

/// The metadata database; `None` only if the committed file cannot be read, which
/// its test rules out (numbers are then not recognised as phone numbers).
pub fn database() -> Option<&'static Database> {
    static DATABASE: OnceLock<Option<Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| match decode(METADATA) {
            Ok(database) => Some(database),
            Err(error) => {
                tracing::error!(%error, "the phone number metadata is unreadable");
                None
            }
        })
        .as_ref()
}

/// Reads a metadata file.
pub fn decode(bytes: &[u8]) -> Result<Database, String> {
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, MAX_INFLATED)
        .map_err(|e| format!("cannot inflate: {e}"))?;
    let metadata: Vec<Metadata> =
        postcard::from_bytes(&inflated).map_err(|e| format!("cannot read: {e}"))?;
    Database::from(metadata).map_err(|e| format!("cannot load: {e}"))
}

/// Writes a metadata file.
pub fn encode(metadata: &[Metadata]) -> Result<Vec<u8>, String> {
    let raw = postcard::to_allocvec(metadata).map_err(|e| e.to_string())?;
    Ok(miniz_oxide::deflate::compress_to_vec(&raw, 10))
}
