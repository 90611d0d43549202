//! The host-word set (`data/host_words.bin`, see `src/hosts.rs`) rebuilt from its
//! sources: the word lists and the gazetteer that `scripts/host-words.sh` puts in
//! `$SIDELINE_HOST_WORD_SOURCES` (one word or name per line, any text files). The
//! test fails when the committed set differs from the rebuilt one;
//! `SIDELINE_WRITE_HOST_WORDS=1` writes it instead. Without the variable (a
//! plain `cargo test`) only the committed set's own checks run.

use std::collections::BTreeSet;
use std::path::PathBuf;

use sideline_inline::hosts;

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/host_words.bin")
}

fn names_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/host_names.bin")
}

#[test]
fn the_committed_set_matches_its_sources() {
    let Some(dir) = std::env::var_os("SIDELINE_HOST_WORD_SOURCES") else {
        eprintln!(
            "SIDELINE_HOST_WORD_SOURCES unset: the set is not rebuilt (scripts/host-words.sh)"
        );
        return;
    };
    // The set is made from given versions of the sources (`data/host_words.sources`,
    // written with it): other versions give another set, which is no drift.
    let versions =
        std::fs::read_to_string(PathBuf::from(&dir).join("VERSIONS")).unwrap_or_default();
    let manifest = committed().with_extension("sources");
    let writing = std::env::var_os("SIDELINE_WRITE_HOST_WORDS").is_some();
    if !writing {
        let expected = std::fs::read_to_string(&manifest).unwrap_or_default();
        if versions != expected {
            eprintln!(
                "the host-word sources here are not the versions the set was made from \
                 ({}): the set is not compared\nhere:\n{versions}\nset made from:\n{expected}",
                manifest.display()
            );
            return;
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", PathBuf::from(&dir).display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 7,
        "expected the six languages' word lists and the gazetteer in {}",
        PathBuf::from(&dir).display()
    );
    let mut words = BTreeSet::new();
    let mut names = BTreeSet::new();
    for file in &files {
        let bytes =
            std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        // Some of Debian's lists are Latin-1; they are read as such.
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
        };
        // Names: all of the gazetteer, and the proper nouns of the word lists (their
        // entries written with a capital; not German's, which capitalises nouns)
        // that rustrict does not read as hate (the lists name `Hitler` and `Nazi`).
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let gazetteer = name == "gazetteer.txt";
        // Debian's Spanish list holds no inflected forms: they are made.
        let spanish = name == "spanish.txt";
        let capitals_are_names = !gazetteer && !name.contains("german");
        for token in text.split(|c: char| !c.is_alphabetic()) {
            if let Some(word) = hosts::letters(token) {
                let proper_noun = capitals_are_names
                    && token.starts_with(char::is_uppercase)
                    && !hosts::hateful(&word);
                if gazetteer || proper_noun {
                    names.insert(word.clone());
                }
                if spanish && !proper_noun {
                    words.extend(hosts::spanish_forms(&word));
                }
                words.insert(word);
            }
        }
    }
    assert!(!names.is_empty(), "no gazetteer.txt among the sources");
    let rude_names: Vec<String> = names
        .into_iter()
        .filter(|w| hosts::flagged(w) && hosts::name_qualifies(w))
        .collect();
    let built_names = hosts::encode(rude_names.iter().cloned());
    eprintln!("{} rude names", rude_names.len());
    let kept: Vec<String> = words
        .into_iter()
        .filter(|w| hosts::flagged(w) && hosts::qualifies(w))
        .collect();
    let built = hosts::encode(kept.iter().cloned());
    eprintln!(
        "{} files, {} host words, {} bytes",
        files.len(),
        kept.len(),
        built.len()
    );
    if writing {
        std::fs::write(committed(), &built).expect("write the set");
        std::fs::write(names_file(), &built_names).expect("write the names");
        std::fs::write(&manifest, &versions).expect("write the sources' versions");
        return;
    }
    let current = std::fs::read(committed()).expect("the committed set");
    assert!(
        current == built,
        "data/host_words.bin differs from the set rebuilt from its sources ({} vs {} words); \
         rewrite it with SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh",
        current.len() / 8,
        built.len() / 8
    );
    let current = std::fs::read(names_file()).expect("the committed names");
    assert!(
        current == built_names,
        "data/host_names.bin differs from the names rebuilt from the sources ({} vs {}); \
         rewrite it with SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh",
        current.len() / 8,
        built_names.len() / 8
    );
}

#[test]
fn the_committed_set_is_sorted_hashes() {
    let bytes = std::fs::read(committed()).expect("the committed set");
    assert_eq!(bytes.len() % 8, 0);
    let hashes: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    assert!(hashes.len() > 10_000, "only {} words", hashes.len());
    assert!(
        hashes.windows(2).all(|w| w[0] < w[1]),
        "not sorted without repeats"
    );
}

#[test]
fn real_words_and_places_are_hosts_and_rude_words_are_not() {
    for word in [
        "bitcoin",
        "Analista",
        "Fokkema",
        "Cuntis,",
        "Sexton",
        "Pantanal",
        "kijken",
        // Spanish forms the word list does not hold, made from its entries.
        "cumplen",
        "analistas",
        // Written with an accent the list's spelling has not.
        "shiitakés",
    ] {
        assert!(hosts::is_host_word(word), "{word} should be a host word");
    }
    // Rude words and their inflections stay flagged, whatever the dictionaries hold.
    for word in [
        "bitch",
        "bitches",
        "fucker",
        "fucking",
        "cunts",
        "assholes",
        "bastards",
        "cock",
        "dick",
        "shitty",
        "shitting",
        "bullshitting",
        "sluttish",
        "niggaz",
        "kankerneger",
        "negertje",
        "retardado",
        "faggottgdf",
    ] {
        assert!(!hosts::is_host_word(word), "{word} must not be a host word");
    }
}
