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

fn phrases_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/host_phrases.bin")
}

/// The words of WordNet's entries of two or three words (`blue_tit`,
/// `Parus_caeruleus`), each lower case and letters only, with every lexicographer
/// file they are written in, from one of its data files (`data.noun`): a synset's
/// line holds its offset, its file's number, its part of speech, the count of its
/// words (in hex) and the words, each followed by a number.
fn wordnet_phrases(
    file: &std::path::Path,
) -> std::collections::BTreeMap<Vec<String>, BTreeSet<u8>> {
    let bytes =
        std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let mut phrases: std::collections::BTreeMap<Vec<String>, BTreeSet<u8>> = Default::default();
    for line in text.lines().filter(|l| !l.starts_with(' ')) {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(lex), Some(count)) = (
            fields.get(1).and_then(|f| f.parse::<u8>().ok()),
            fields
                .get(3)
                .and_then(|f| usize::from_str_radix(f, 16).ok()),
        ) else {
            continue;
        };
        for k in 0..count {
            let Some(entry) = fields.get(4 + 2 * k) else {
                break;
            };
            let parts: Vec<String> = entry.split('_').map(|p| p.to_lowercase()).collect();
            if (2..=3).contains(&parts.len())
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(char::is_alphabetic))
            {
                phrases.entry(parts).or_default().insert(lex);
            }
        }
    }
    phrases
}

/// The regular English plural of a noun (`tit` → `tits`, `ass` → `asses`,
/// `lady` → `ladies`).
fn english_plural(noun: &str) -> String {
    let consonant_y = noun
        .strip_suffix('y')
        .filter(|stem| stem.chars().last().is_some_and(|c| !"aeiou".contains(c)));
    if let Some(stem) = consonant_y {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| noun.ends_with(e))
    {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
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
        files.len() >= 8,
        "expected the six languages' word lists, the gazetteer, the person names and \
         France's communes in {}",
        PathBuf::from(&dir).display()
    );
    let mut words = BTreeSet::new();
    // Words of three letters, which the set has none of: a real word just before
    // a slur may be one (`bos` + `neger`).
    let mut short_words = BTreeSet::new();
    let mut names = BTreeSet::new();
    // The words of the word lists alone (not the gazetteer's, the name table's
    // or the communes'): they hold compounds of slurs (`kankerneger`).
    let mut listed = BTreeSet::new();
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
        // The most frequent first and last names of the launch languages'
        // countries: names only, never words of the set (a family name may be a
        // compound insult somewhere, which no name of a place is).
        let person_names = name == "names.txt";
        // Debian's Spanish list holds no inflected forms: they are made.
        let spanish = name == "spanish.txt";
        // France's communes of any size are words of the set, not names: a
        // hamlet may be called by a rude word whole (`Biches`).
        let capitals_are_names =
            !gazetteer && !person_names && !name.contains("german") && name != "communes.txt";
        for token in text.split(|c: char| !c.is_alphabetic()) {
            if person_names {
                names.extend(hosts::letters(token));
                continue;
            }
            if token.chars().count() == 3 {
                short_words.insert(token.to_lowercase());
            }
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
                if !gazetteer && name != "communes.txt" {
                    listed.insert(word.clone());
                }
                words.insert(word);
            }
        }
    }
    assert!(!names.is_empty(), "no gazetteer.txt among the sources");
    let rude_names: Vec<String> = names
        .iter()
        .filter(|w| hosts::flagged(w) && hosts::name_qualifies(w))
        .cloned()
        .collect();
    let built_names = hosts::encode(rude_names.iter().cloned());
    eprintln!("{} rude names", rude_names.len());
    // Slurs are never hosts, but for a match that straddles two parts of a word
    // (`königsklasse`).
    let kept: Vec<String> = words
        .iter()
        .filter(|w| {
            hosts::flagged(w)
                && (hosts::qualifies(w)
                    || hosts::slur(w)
                        && hosts::embedded(w)
                        && hosts::straddles(w, |p| words.contains(p) || short_words.contains(p)))
        })
        .cloned()
        .collect();
    let straddling = kept.iter().filter(|w| hosts::slur(w)).count();
    eprintln!("{straddling} host words straddle a slur");
    // Names of the gazetteer and the name table that begin with a slur and go
    // on with a tail of their own (`Fagan`, `Cooney`, `Fagundes`,
    // `Coonabarabran`): names, not the slur; never a word of the word lists.
    let slur_names: Vec<String> = names
        .iter()
        .filter(|w| !listed.contains(*w) && hosts::flagged(w) && hosts::slur_name(w))
        .cloned()
        .collect();
    eprintln!(
        "{} names begin with a slur: {slur_names:?}",
        slur_names.len()
    );
    let mut kept = kept;
    kept.extend(slur_names);
    kept.sort();
    kept.dedup();
    let built = hosts::encode(kept.iter().cloned());
    eprintln!(
        "{} files, {} host words, {} bytes",
        files.len(),
        kept.len(),
        built.len()
    );
    // Host phrases: WordNet's names of animals, foods and plants (every sense in
    // those files) and its adverbs, of two or three words, and a noun's plural.
    let wordnet = PathBuf::from(&dir).join("wordnet");
    let nouns = wordnet_phrases(&wordnet.join("data.noun"));
    let adverbs = wordnet_phrases(&wordnet.join("data.adv"));
    let mut phrases: BTreeSet<String> = BTreeSet::new();
    for (words, files) in &nouns {
        if files.iter().all(|f| hosts::PHRASE_NOUN_FILES.contains(f))
            && hosts::phrase_qualifies(words)
        {
            phrases.insert(words.join(" "));
            let mut plural = words.clone();
            if let Some(last) = plural.last_mut() {
                *last = english_plural(last);
            }
            if hosts::phrase_qualifies(&plural) {
                phrases.insert(plural.join(" "));
            }
        }
    }
    for words in adverbs.keys() {
        if hosts::phrase_qualifies(words) {
            phrases.insert(words.join(" "));
        }
    }
    let built_phrases = hosts::encode(phrases.iter().cloned());
    eprintln!("{} host phrases", phrases.len());
    if writing {
        std::fs::write(committed(), &built).expect("write the set");
        std::fs::write(names_file(), &built_names).expect("write the names");
        std::fs::write(phrases_file(), &built_phrases).expect("write the phrases");
        std::fs::write(&manifest, &versions).expect("write the sources' versions");
        return;
    }
    compare(&committed(), &built, "set");
    compare(&names_file(), &built_names, "names");
    compare(&phrases_file(), &built_phrases, "phrases");
}

/// Fails unless the committed file at `path` is `built` (hashes, 8 bytes each).
fn compare(path: &std::path::Path, built: &[u8], what: &str) {
    let current = std::fs::read(path).unwrap_or_else(|e| panic!("the committed {what}: {e}"));
    assert!(
        current == built,
        "{} differs from the {what} rebuilt from the sources ({} vs {}); \
         rewrite it with SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh",
        path.display(),
        current.len() / 8,
        built.len() / 8
    );
}

#[test]
fn names_of_animals_foods_and_plants_are_host_phrases_and_rude_phrases_are_not() {
    for phrase in [
        "blue tit",
        "Blue tits",
        "cocker spaniel",
        "spotted dick",
        "pussy willow",
        "magna cum laude",
        "cum laude,",
    ] {
        let words: Vec<&str> = phrase.split(' ').collect();
        assert!(
            hosts::is_host_phrase(&words),
            "{phrase} should be a host phrase"
        );
    }
    for phrase in [
        "fuck off",
        "dog shit",
        "nice tits",
        "black cock",
        "tit, spotted dick",
        "blue",
        "piece of ass",
        "pond scum",
        "brood bitch",
        "wild asss",
    ] {
        let words: Vec<&str> = phrase.split(' ').collect();
        assert!(
            !hosts::is_host_phrase(&words),
            "{phrase} must not be a host phrase"
        );
    }
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
        // A slur read across two parts of a word (`könig` + `s`, `einig` + `er`).
        "königs",
        "einiger",
        "wenigstens",
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
        "huisneger",
    ] {
        assert!(!hosts::is_host_word(word), "{word} must not be a host word");
    }
}
