//! The profanity lexicon (`shared/inline/data/lexicon.txt`, see
//! `shared/inline/src/lexicon.rs`) rebuilt from its sources: the swear-word lists
//! that `scripts/host-words.sh` puts in `$SIDELINE_HOST_WORD_SOURCES/lexicon`,
//! kept where the development side of the corpus confirms them (at least one
//! line of swearing uses the entry — two for an entry only the machine-made
//! second list has —, no clean line does, and lines of harassment use it no
//! more than three times as often as lines of swearing: more is a word of
//! address, `schatje`), single words that are English words left out; German and Dutch words also as the first parts of
//! compounds (`scheiß-`), kept by the same rule. The test fails when the
//! committed file differs; `SIDELINE_WRITE_HOST_WORDS=1` writes it instead.
//! Without the variable only the committed file's own checks run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use moderation::learning::training_lines;
use moderation::EvalInput;
use sideline_inline::lexicon::{self, Lexicon};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/inline/data")
        .join(name)
}

/// A word list of the sources, read as UTF-8 or else as Latin-1 (some of
/// Debian's are).
fn word_list(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

/// Writes `built` to `data/<name>` and the sources' versions beside it when
/// `writing`; otherwise fails unless the committed file is `built`.
fn write_or_compare(name: &str, built: &[u8], manifest: &Path, versions: &str, writing: bool) {
    if writing {
        std::fs::write(data(name), built).expect("write the rebuilt file");
        std::fs::write(manifest, versions).expect("write its sources' versions");
        return;
    }
    let committed = std::fs::read(data(name)).expect("the committed file");
    assert!(
        committed == built,
        "data/{name} differs from the one rebuilt from its sources; rewrite it with \
         SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh --write"
    );
}

/// A line of swearing: threats and harassment do not count, as the words they
/// use (`hammer`, `sweetheart`) are no swear words.
fn swearing(line: &EvalInput) -> bool {
    matches!(line.category.as_deref(), Some("profanity" | "obfuscated"))
        || line.category.is_none() && line.label.as_deref() == Some("abuse")
}

fn clean(line: &EvalInput) -> bool {
    line.category.as_deref() == Some("clean")
        || line.category.is_none() && line.label.as_deref() == Some("clean")
}

#[test]
fn the_committed_lexicon_matches_its_sources() {
    let Some(dir) = std::env::var_os("SIDELINE_HOST_WORD_SOURCES") else {
        eprintln!("SIDELINE_HOST_WORD_SOURCES unset: the lexicon is not rebuilt");
        return;
    };
    let dir = PathBuf::from(dir).join("lexicon");
    let version = std::fs::read_to_string(dir.join("VERSION")).unwrap_or_default();
    let writing = std::env::var_os("SIDELINE_WRITE_HOST_WORDS").is_some();
    let manifest = data("lexicon.sources");
    if !writing && std::fs::read_to_string(&manifest).unwrap_or_default() != version {
        eprintln!("the lexicon's sources here are not the ones it was made from: not compared");
        return;
    }
    let mut candidates: Vec<(String, String)> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the launch languages' lists in {}",
        dir.display()
    );
    // The second list's entries (`LANG.wymows.json`) are machine-made
    // translations, weaker evidence: they need two lines of swearing. So do the
    // single words `cuss` rates sure (`LANG.cuss.json`), left out where they
    // are everyday words of their language's word list too, read as the lexicon
    // reads words, accents dropped (`leche`, `mamar`, `boule`, `andá`: milk, to
    // suckle, a ball, go); its phrases are not taken, as a phrase of everyday
    // words may be one (`ta mère`, your mother).
    let sources = dir.parent().expect("the sources folder").to_path_buf();
    // Each launch language's everyday words, read once.
    let everyday_of = |lang: &str| -> BTreeSet<String> {
        let files: &[&str] = match lang {
            "es" => &["spanish.txt"],
            "pt" => &["portuguese.txt", "brazilian.txt"],
            "fr" => &["french.txt"],
            "de" => &["ngerman.txt"],
            "nl" => &["dutch.txt"],
            _ => &[],
        };
        let mut words = BTreeSet::new();
        for file in files {
            for word in word_list(&sources.join(file))
                .lines()
                .map(str::to_lowercase)
            {
                if lang == "es" {
                    words.extend(
                        sideline_inline::hosts::spanish_forms(&word)
                            .iter()
                            .filter_map(|form| lexicon::normal_word(form)),
                    );
                }
                if lang == "de" && word.contains(['ä', 'ö', 'ü']) {
                    let written = word
                        .replace('ä', "ae")
                        .replace('ö', "oe")
                        .replace('ü', "ue");
                    words.extend(lexicon::normal_word(&written));
                }
                words.extend(lexicon::normal_word(&word));
            }
        }
        words
    };
    let everyday: BTreeMap<&str, BTreeSet<String>> = ["es", "pt", "fr", "de", "nl"]
        .into_iter()
        .map(|lang| (lang, everyday_of(lang)))
        .collect();
    let no_words = BTreeSet::new();
    let mut first_list: BTreeSet<(String, String)> = BTreeSet::new();
    for file in files.iter().filter(|f| !f.ends_with("en.json")) {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let lang: String = stem.chars().take(2).collect();
        let cuss = stem.ends_with(".cuss");
        let second = stem.ends_with(".wymows") || cuss;
        let dictionary = everyday.get(lang.as_str()).unwrap_or(&no_words);
        let text = std::fs::read_to_string(file).expect("list");
        let entries: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
        for entry in entries {
            let entry = entry.trim().to_lowercase();
            if cuss
                && (entry.contains(' ')
                    || lexicon::normal_word(&entry).is_some_and(|w| dictionary.contains(&w)))
            {
                continue;
            }
            // One- and two-letter words (`cu`, `pis` once read) match too much.
            let usable = entry
                .split_whitespace()
                .map(lexicon::normal_word)
                .collect::<Option<Vec<_>>>()
                .is_some_and(|w| w.len() > 1 || w[0].chars().count() >= 3);
            if usable {
                if !second {
                    first_list.insert((lang.clone(), entry.clone()));
                }
                candidates.push((lang.clone(), entry));
            }
        }
    }
    // A single word that is an English word is left out (French `bite` is "a bite
    // to eat"; rustrict reads English swearing).
    let mut english = BTreeSet::new();
    for file in ["american-english.txt", "british-english.txt"] {
        english.extend(
            word_list(&sources.join(file))
                .lines()
                .map(str::to_lowercase),
        );
    }
    candidates.retain(|(_, entry)| entry.contains(' ') || !english.contains(entry));
    // German and Dutch swear in compounds (`Scheißwetter`): each single word of
    // theirs is also a candidate first part of compounds (`scheiß-`, a final `e`
    // dropped as compounds drop it), of four letters or more.
    let starts: Vec<(String, String)> = candidates
        .iter()
        .filter(|(lang, entry)| matches!(lang.as_str(), "de" | "nl") && !entry.contains(' '))
        .filter_map(|(lang, entry)| {
            let start = entry.strip_suffix('e').unwrap_or(entry);
            let letters = lexicon::normal_word(start)?.chars().count();
            let start = (lang.clone(), format!("{start}-"));
            if first_list.contains(&(lang.clone(), entry.clone())) {
                first_list.insert(start.clone());
            }
            (letters >= 4).then_some(start)
        })
        .collect();
    candidates.extend(starts);
    // An entry is of the first list when any entry read the same way is
    // (`scheiße` and `scheisse` are one).
    let reading = |entry: &str| -> String {
        entry
            .split_whitespace()
            .filter_map(lexicon::normal_word)
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Read from the candidates left (an English word the first list has is no
    // evidence for the second list's spelling of it).
    let first_readings: BTreeSet<String> = candidates
        .iter()
        .filter(|c| first_list.contains(*c))
        .map(|(_, e)| reading(e))
        .collect();
    candidates.sort();
    candidates.dedup();
    let lex = Lexicon::new(candidates.iter().map(|(_, e)| e.as_str()));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let lines = training_lines(&corpus).expect("the development side of the corpus");
    let mut in_abuse = vec![0usize; candidates.len()];
    let mut in_clean = vec![0usize; candidates.len()];
    let mut in_harassment = vec![0usize; candidates.len()];
    for line in &lines {
        let counts = if swearing(line) {
            &mut in_abuse
        } else if clean(line) {
            &mut in_clean
        } else if line.category.as_deref() == Some("harassment") {
            &mut in_harassment
        } else {
            continue;
        };
        for index in lexicon::entries_in(&lex, &line.text) {
            counts[index] += 1;
        }
    }
    let mut kept: BTreeSet<String> = candidates
        .iter()
        .enumerate()
        .filter(|(i, (_, entry))| {
            let needed = if first_readings.contains(&reading(entry)) {
                1
            } else {
                2
            };
            // A word that lines of harassment use more than three times as
            // often as lines of swearing is one of address (`schatje`,
            // sweetheart), not a swear word.
            in_abuse[*i] >= needed && in_clean[*i] == 0 && in_harassment[*i] <= 3 * in_abuse[*i]
        })
        .map(|(_, (lang, entry))| format!("{lang}\t{entry}"))
        .collect();
    let entries = kept.len();
    // English read as the lexicon reads words, and the swear words of every
    // language with their forms, for the forms and the respellings alike.
    let english: BTreeSet<String> = english
        .iter()
        .filter_map(|w| lexicon::normal_word(w))
        .collect();
    let sworn = word_forms(candidates.iter().map(|(l, e)| (l.as_str(), e.as_str())));
    let forms = inflected_forms(&kept, &sworn, &everyday, &english, &lines);
    let single_words = kept.clone();
    kept.extend(forms.iter().map(|(lang, form)| format!("{lang}\t{form}")));
    let inflected = forms.len();
    // The gazetteer's and the name table's words: a respelling may be a name
    // (`Kula`).
    let mut names = BTreeSet::new();
    for file in ["gazetteer.txt", "names.txt"] {
        names.extend(
            word_list(&sources.join(file))
                .split(|c: char| !c.is_alphabetic())
                .filter_map(lexicon::normal_word),
        );
    }
    let spelled = respellings(
        &single_words,
        &kept,
        &sworn,
        (&everyday, &english, &names),
        &lines,
    );
    kept.extend(spelled.iter().map(|(lang, form)| format!("{lang}\t{form}")));
    let built: String = kept.iter().map(|l| format!("{l}\n")).collect();
    eprintln!(
        "{} candidates, {entries} kept, {inflected} inflected forms, {} respellings; {} used cleanly",
        candidates.len(),
        spelled.len(),
        in_clean.iter().filter(|c| **c > 0).count()
    );
    write_or_compare(
        "lexicon.txt",
        built.as_bytes(),
        &manifest,
        &version,
        writing,
    );
}

/// The single words of `pairs` (`lang`, entry; not phrases nor first parts of
/// compounds) read as the lexicon reads words, with their inflected forms.
fn word_forms<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeSet<(String, String)> {
    pairs
        .filter(|(_, entry)| !entry.contains(' ') && !entry.ends_with('-'))
        .filter_map(|(lang, entry)| Some((lang.to_owned(), lexicon::normal_word(entry)?)))
        .flat_map(|(lang, word)| {
            let forms = lexicon::inflections(&lang, &word);
            std::iter::once(word)
                .chain(forms)
                .map(move |form| (lang.clone(), form))
        })
        .collect()
}

/// The inflected forms of the kept single words (`lexicon::inflections`:
/// `pendejos`, `sletten`, `klootzakje`), each kept on its own: no entry
/// already, no word of English or of another launch language's list (read as
/// the lexicon reads words, accents dropped, German's umlauts also written
/// `ae`, `oe`, `ue`: `hoeren` is German `hören`, `pedes` Portuguese "you ask"),
/// unless it is a swear word there too (`putas`, Spanish and Portuguese alike:
/// a candidate of that language or one of its forms), and used by no clean
/// development line.
fn inflected_forms(
    kept: &BTreeSet<String>,
    sworn: &BTreeSet<(String, String)>,
    everyday: &BTreeMap<&str, BTreeSet<String>>,
    english: &BTreeSet<String>,
    lines: &[EvalInput],
) -> Vec<(String, String)> {
    let entries: Vec<(&str, &str)> = kept.iter().filter_map(|l| l.split_once('\t')).collect();
    let readings: BTreeSet<String> = entries
        .iter()
        .filter_map(|(_, e)| lexicon::normal_word(e))
        .collect();
    // Single words and their forms, by language.
    let made = word_forms(entries.iter().copied());
    let mut forms: BTreeSet<(String, String)> = BTreeSet::new();
    for (lang, form) in &made {
        let elsewhere = english.contains(form)
            || everyday.iter().any(|(other, words)| {
                *other != lang.as_str()
                    && words.contains(form)
                    && !sworn.contains(&((*other).to_owned(), form.clone()))
            });
        if !readings.contains(form) && !elsewhere {
            forms.insert((lang.clone(), form.clone()));
        }
    }
    unused_by_clean_lines(forms, lines)
}

/// `forms` but those a clean development line uses.
fn unused_by_clean_lines(
    forms: BTreeSet<(String, String)>,
    lines: &[EvalInput],
) -> Vec<(String, String)> {
    let forms: Vec<(String, String)> = forms.into_iter().collect();
    let lex = Lexicon::new(forms.iter().map(|(_, f)| f.as_str()));
    let mut used = vec![false; forms.len()];
    for line in lines.iter().filter(|l| clean(l)) {
        for index in lexicon::entries_in(&lex, &line.text) {
            used[index] = true;
        }
    }
    forms
        .into_iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(form, _)| form)
        .collect()
}

/// The sound-alike respellings (`lexicon::spellings`: `kabron`, `wixer`,
/// `schaisse`, `teringlyer`) of the single words kept, and their inflected forms
/// (`kabrones`), each kept on its
/// own: no entry or form already, no name of the gazetteer or the name table
/// (`Kula`), no word of English nor of any launch
/// language's list — its own too: a respelling may be another everyday word
/// of its own language — unless it is a swear word there (a candidate of that
/// language or one of its forms), and used by no clean development line.
fn respellings(
    single_words: &BTreeSet<String>,
    kept: &BTreeSet<String>,
    sworn: &BTreeSet<(String, String)>,
    (everyday, english, names): (
        &BTreeMap<&str, BTreeSet<String>>,
        &BTreeSet<String>,
        &BTreeSet<String>,
    ),
    lines: &[EvalInput],
) -> Vec<(String, String)> {
    let words_of = |set: &BTreeSet<String>| -> Vec<(String, String)> {
        set.iter()
            .filter_map(|l| l.split_once('\t'))
            .filter(|(_, e)| !e.contains(' ') && !e.ends_with('-'))
            .map(|(lang, e)| (lang.to_owned(), e.to_owned()))
            .collect()
    };
    let entries = words_of(single_words);
    let readings: BTreeSet<String> = words_of(kept)
        .iter()
        .filter_map(|(_, e)| lexicon::normal_word(e))
        .collect();
    let mut spelled: BTreeSet<(String, String)> = BTreeSet::new();
    for (lang, entry) in &entries {
        // Respelled as written, accents kept (`ç` is no hard `c`: `desgraçada`
        // is no `desgrakada`), then read as the lexicon reads words.
        let respelled: Vec<String> = lexicon::spellings(lang, &entry.to_lowercase())
            .iter()
            .filter_map(|r| lexicon::normal_word(r))
            .collect();
        let inflected = respelled.iter().flat_map(|r| lexicon::inflections(lang, r));
        for form in respelled.iter().cloned().chain(inflected) {
            let everyday_word = english.contains(&form)
                || names.contains(&form)
                || everyday.iter().any(|(other, words)| {
                    words.contains(&form) && !sworn.contains(&((*other).to_owned(), form.clone()))
                });
            if !readings.contains(&form) && !everyday_word {
                spelled.insert((lang.clone(), form));
            }
        }
    }
    unused_by_clean_lines(spelled, lines)
}

#[test]
fn the_committed_lexicon_is_sorted_and_no_clean_development_line_uses_it() {
    let text = std::fs::read_to_string(data("lexicon.txt")).expect("the committed lexicon");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 50, "only {} entries", lines.len());
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "not sorted without repeats"
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for line in training_lines(&corpus).expect("corpus") {
        if clean(&line) {
            assert!(
                lexicon::find(&line.text).is_empty(),
                "{}: {}",
                line.id,
                line.text
            );
        }
    }
}

/// The everyday words of the launch languages besides English that rustrict
/// reads as English abuse (Dutch `hoe`, how; `dik`, thick; `koken`, to cook), as
/// the hashes of `lang:word` (`shared/inline/data/local_words.bin`, see
/// `sideline_inline::hosts`): words of three to six letters of the language's
/// word list (Spanish's with its regular inflections made) that rustrict
/// flags, that are no host word, no hate that English
/// writes as a name (`Nazi`), no slur or severe
/// abuse, no entry of the language's or English's swear-word list, and that the
/// development side confirms: used by a clean line of that language, and by at
/// most half as many lines of swearing. Rebuilt and compared as the lexicon is.
#[test]
fn the_committed_local_words_match_their_sources() {
    let Some(dir) = std::env::var_os("SIDELINE_HOST_WORD_SOURCES") else {
        eprintln!("SIDELINE_HOST_WORD_SOURCES unset: the local words are not rebuilt");
        return;
    };
    let dir = PathBuf::from(dir);
    let writing = std::env::var_os("SIDELINE_WRITE_HOST_WORDS").is_some();
    let versions = std::fs::read_to_string(dir.join("VERSIONS")).unwrap_or_default()
        + &std::fs::read_to_string(dir.join("lexicon/VERSION")).unwrap_or_default();
    let manifest = data("local_words.sources");
    if !writing && std::fs::read_to_string(&manifest).unwrap_or_default() != versions {
        eprintln!(
            "the local words' sources here are not the ones they were made from: not compared"
        );
        return;
    }
    let swear = |lang: &str| -> BTreeSet<String> {
        std::fs::read_to_string(dir.join("lexicon").join(format!("{lang}.json")))
            .ok()
            .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
            .unwrap_or_default()
            .iter()
            .map(|w| w.to_lowercase())
            .collect()
    };
    let english = swear("en");
    // English's proper nouns and names of peoples (`Nazi`), lower case: hate
    // among them means the same in every language, so it is no everyday word of
    // another (a Dutch `hoe`, how, is no English `ho`).
    let mut english_names = BTreeSet::new();
    for file in ["american-english.txt", "british-english.txt"] {
        english_names.extend(
            word_list(&dir.join(file))
                .lines()
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .map(str::to_lowercase),
        );
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let lines = training_lines(&corpus).expect("corpus");
    let words_of = |text: &str| -> BTreeSet<String> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| (3..=6).contains(&w.chars().count()))
            .map(str::to_lowercase)
            .collect()
    };
    let mut in_swearing: std::collections::BTreeMap<String, usize> = Default::default();
    for line in lines.iter().filter(|l| swearing(l)) {
        for word in words_of(&line.text) {
            *in_swearing.entry(word).or_default() += 1;
        }
    }
    let lists = [
        ("es", "spanish.txt"),
        ("pt", "portuguese.txt"),
        ("pt", "brazilian.txt"),
        ("fr", "french.txt"),
        ("de", "ngerman.txt"),
        ("nl", "dutch.txt"),
    ];
    let mut kept = BTreeSet::new();
    for (lang, file) in lists {
        let own = swear(lang);
        let mut dictionary = BTreeSet::new();
        for word in word_list(&dir.join(file)).lines().map(str::to_lowercase) {
            // Debian's Spanish list holds only the forms a dictionary heads its
            // entries with (`cumplir`): the regular inflections are made, as
            // for the host words and the everyday words above (`cumple`), but
            // not of a swear word's (its list holds its headword only).
            if lang == "es" && !own.contains(&word) {
                dictionary.extend(sideline_inline::hosts::spanish_forms(&word));
            }
            dictionary.insert(word);
        }
        let mut in_clean: std::collections::BTreeMap<String, usize> = Default::default();
        for line in lines
            .iter()
            .filter(|l| clean(l) && l.lang.as_deref() == Some(lang))
        {
            for word in words_of(&line.text) {
                *in_clean.entry(word).or_default() += 1;
            }
        }
        for (word, clean_uses) in in_clean {
            let sworn = in_swearing.get(&word).copied().unwrap_or(0);
            if clean_uses >= 2 * sworn
                && dictionary.contains(&word)
                && !own.contains(&word)
                && !english.contains(&word)
                && sideline_inline::hosts::flagged(&word)
                // A host word has four letters or more: a shorter word rustrict
                // reads in part is no host word (`hou`, hold, read as `ho`).
                && !sideline_inline::hosts::letters(&word)
                    .is_some_and(|w| sideline_inline::hosts::qualifies(&w))
                && !sideline_inline::hosts::hateful_or_severe(&word)
                && !(sideline_inline::hosts::hateful(&word) && english_names.contains(&word))
            {
                kept.insert(format!("{lang}:{word}"));
            }
        }
    }
    eprintln!("{} local words: {kept:?}", kept.len());
    let built = sideline_inline::hosts::encode(kept.iter().cloned());
    write_or_compare("local_words.bin", &built, &manifest, &versions, writing);
}
