//! Deflates the grammar of intent (`data/intent.json`, kept readable in the
//! repository) into the build's output folder, where `src/intent.rs` embeds it:
//! about 100 KB less in every bootstrap that carries the inline stage.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=data/intent.json");
    let json = std::fs::read("data/intent.json").expect("data/intent.json is readable");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 10);
    std::fs::write(out.join("intent.json.deflate"), deflated)
        .expect("the output folder is writable");
}
