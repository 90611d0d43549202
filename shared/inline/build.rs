//! Writes into the build's output folder:
//!
//! - the grammar of intent (`data/intent.json`, kept readable in the repository),
//!   deflated, which `src/intent.rs` embeds: about 100 KB less in every bootstrap
//!   that carries the inline stage;
//! - the learned model's weights (`data/learned.bin`), deflated, which
//!   `src/learned.rs` embeds: about 50 KB less;
//! - the lexicon (`data/lexicon.txt`), deflated, which `src/lexicon.rs` embeds:
//!   about 8 KB less;
//! - the host-word set (`data/host_words.bin`, sorted 64-bit hashes) as the
//!   differences between neighbours, their most significant bytes first, then
//!   the next ones, and so on, deflated, which `src/hosts.rs` embeds: the
//!   differences' high bytes are mostly nought, so about 44 KB less;
//! - the words rustrict acts on and its replacements for ASCII characters, read
//!   from rustrict's own dictionary (through its `serde` feature, on the build's
//!   copy only), deflated, which `src/across.rs` embeds, and the most words any
//!   of its false positives has (`rustrict_context.rs`, which `src/lib.rs`
//!   includes). They are never copied by hand, so they follow the rustrict the
//!   stage is built with.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=data/intent.json");
    println!("cargo:rerun-if-changed=data/learned.bin");
    println!("cargo:rerun-if-changed=data/lexicon.txt");
    println!("cargo:rerun-if-changed=data/host_words.bin");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let json = std::fs::read("data/intent.json").expect("data/intent.json is readable");
    write_deflated(&out, "intent.json.deflate", &json);
    let weights = std::fs::read("data/learned.bin").expect("data/learned.bin is readable");
    write_deflated(&out, "learned.bin.deflate", &weights);
    let lexicon = std::fs::read("data/lexicon.txt").expect("data/lexicon.txt is readable");
    write_deflated(&out, "lexicon.txt.deflate", &lexicon);
    let hashes = std::fs::read("data/host_words.bin").expect("data/host_words.bin is readable");
    write_deflated(&out, "host_words.deflate", &byte_planes(&hashes));
    let (tables, false_positive_words) = rustrict_tables();
    write_deflated(&out, "rustrict-words.deflate", tables.as_bytes());
    std::fs::write(
        out.join("rustrict_context.rs"),
        format!(
            "/// The most words one of rustrict's false positives has (written by the\n\
             /// build script from the rustrict the stage is built with).\n\
             const FALSE_POSITIVE_WORDS: usize = {false_positive_words};\n"
        ),
    )
    .expect("the output folder is writable");
}

/// Sorted little-endian 64-bit `hashes` as the differences between neighbours
/// (the first from nought), in eight planes: every difference's most
/// significant byte, then every one's next byte, down to the least.
/// `src/hosts.rs` reads it back.
fn byte_planes(hashes: &[u8]) -> Vec<u8> {
    assert!(
        hashes.len().is_multiple_of(8),
        "data/host_words.bin holds 8 bytes a word"
    );
    let mut previous = 0u64;
    let differences: Vec<[u8; 8]> = hashes
        .chunks_exact(8)
        .map(|chunk| {
            let hash = u64::from_le_bytes(chunk.try_into().expect("chunks of 8"));
            assert!(hash >= previous, "data/host_words.bin is sorted");
            let difference = hash - previous;
            previous = hash;
            difference.to_be_bytes()
        })
        .collect();
    (0..8)
        .flat_map(|plane| differences.iter().map(move |d| d[plane]))
        .collect()
}

fn write_deflated(out: &std::path::Path, name: &str, bytes: &[u8]) {
    let deflated = miniz_oxide::deflate::compress_to_vec(bytes, 10);
    std::fs::write(out.join(name), deflated).expect("the output folder is writable");
}

/// One line per ASCII character rustrict replaces (`R`, a tab, the character,
/// its replacements), then one line per word of its dictionary that carries a
/// finding (`W`, a tab, the word), sorted. Safe words and false positives are
/// left out: they only ever take findings away. And the most words (split at
/// whitespace) one of the false positives and safe words has.
fn rustrict_tables() -> (String, usize) {
    let trie = serde_json::to_value(rustrict::Trie::default()).expect("the trie serialises");
    let replacements =
        serde_json::to_value(rustrict::Replacements::default()).expect("the table serialises");
    let mut lines = Vec::new();
    let table = replacements
        .as_object()
        .expect("replacements are a map of characters");
    for (from, to) in table {
        if from.is_ascii() {
            let to = to.as_str().expect("replacements are strings");
            lines.push(format!("R\t{from}\t{to}"));
        }
    }
    let acted_on = type_bits(Some(
        &serde_json::to_value(rustrict::Type::ANY).expect("a type serialises"),
    ));
    assert!(acted_on != 0, "rustrict's types are read");
    let (mut words, mut others) = (Vec::new(), Vec::new());
    let root = trie.get("root").expect("the trie has a root");
    collect(
        root,
        &mut String::new(),
        acted_on,
        (&mut words, &mut others),
    );
    assert!(words.len() > 1000, "rustrict's dictionary is read");
    assert!(others.len() > 1000, "rustrict's false positives are read");
    let most_words = others
        .iter()
        .map(|w| w.split_whitespace().count())
        .max()
        .unwrap_or(0);
    lines.sort();
    words.sort();
    lines.extend(words.into_iter().map(|w| format!("W\t{w}")));
    (lines.join("\n"), most_words)
}

/// The words under `node` (at `path`): those with a finding into the first
/// list, the others (false positives, safe words) into the second.
fn collect(
    node: &serde_json::Value,
    path: &mut String,
    acted_on: u32,
    out: (&mut Vec<String>, &mut Vec<String>),
) {
    let (found, others) = out;
    if node.get("word").and_then(|w| w.as_bool()).unwrap_or(false) {
        if type_bits(node.get("typ")) & acted_on != 0 {
            found.push(path.clone());
        } else {
            others.push(path.clone());
        }
    }
    if let Some(children) = node.get("children").and_then(|c| c.as_object()) {
        for (c, child) in children {
            let len = path.len();
            path.push_str(c);
            collect(child, path, acted_on, (&mut *found, &mut *others));
            path.truncate(len);
        }
    }
}

/// A `Type` as serde writes it: its bits, alone or inside a struct.
fn type_bits(value: Option<&serde_json::Value>) -> u32 {
    match value {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0) as u32,
        Some(serde_json::Value::Object(map)) => map.values().map(|v| type_bits(Some(v))).sum(),
        Some(serde_json::Value::Array(items)) => items.iter().map(|v| type_bits(Some(v))).sum(),
        _ => 0,
    }
}
