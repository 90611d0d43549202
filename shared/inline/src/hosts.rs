//! Real words and names with a rude word inside them: `Scunthorpe`, `analista`,
//! `bitcoin`, `Cuntis`, `Sexton`.
//!
//! rustrict finds rude words inside longer ones (that is how it catches `fuckface`),
//! and knows English words that only look rude. It does not know the other
//! languages' words, nor places and family names. A word it flags is still let
//! through when both hold:
//!
//! - the match covers only part of it, and what is left is more than an
//!   inflection (`bitches`, `cunts`, `fucker` stay flagged; see [`embedded`]);
//! - it is a real word or name: one of the words of the host-word set, made from
//!   Debian's word lists (English, Spanish, Portuguese, French, German, Dutch) and
//!   a gazetteer (GeoNames' places of 1,000 people or more, and the family, given,
//!   street and place names of Faker's locales) and France's communes of any
//!   size (words, not names: `Biches` is one), keeping only the words rustrict
//!   flags in part. `scripts/host-words.sh` fetches the sources and
//!   `shared/inline/tests/host_words.rs` rebuilds the set from them (it fails when
//!   the committed set differs).
//!
//! Slurs are never host words, however real the word (dictionaries hold
//! compounds of them), but where rustrict reads one across two parts of a word
//! (`einiger`, `königs`: see [`straddles`]); a real word with severe profanity
//! or sex inside it may be one (`Wankdorf`, `terapeuta`).
//!
//! The set is stored as the sorted 64-bit FNV-1a hashes of the words (lower case,
//! letters only): 8 bytes a word. A made-up word only passes if its hash is one
//! of the set's, which no search finds in practice (about 2^50 tries for one).

use rustrict::Type;

/// The host-word set (`data/host_words.bin`: little-endian u64 hashes, sorted,
/// without repeats) as the build script stores it: the differences between
/// neighbours in eight byte planes, most significant first, deflated.
static HOST_WORDS_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/host_words.deflate"));

/// More than the set's planes will ever inflate to (8 bytes a word).
const MAX_HOST_WORDS_INFLATED: usize = 4 << 20;

/// The host-word set, read once. A build that cannot read its own set has no
/// host words (and says so); the tests check the set.
fn host_words() -> &'static [u64] {
    static SET: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        miniz_oxide::inflate::decompress_to_vec_with_limit(
            HOST_WORDS_DEFLATED,
            MAX_HOST_WORDS_INFLATED,
        )
        .map_err(|e| format!("cannot inflate: {e}"))
        .and_then(|planes| from_byte_planes(&planes))
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "data/host_words.bin does not load");
            Vec::new()
        })
    })
}

/// The sorted hashes back from their differences' byte planes (see the build
/// script's `byte_planes`).
fn from_byte_planes(planes: &[u8]) -> Result<Vec<u64>, String> {
    if !planes.len().is_multiple_of(8) {
        return Err(format!("{} bytes, not 8 planes", planes.len()));
    }
    let count = planes.len() / 8;
    let mut hash = 0u64;
    let mut set = Vec::with_capacity(count);
    for i in 0..count {
        let difference = (0..8).fold(0u64, |value, plane| {
            value << 8 | u64::from(planes[plane * count + i])
        });
        hash = hash
            .checked_add(difference)
            .ok_or_else(|| "the hashes overflow".to_string())?;
        set.push(hash);
    }
    Ok(set)
}

/// Whether `hash` is one of the host words'.
fn is_host_word_hash(hash: u64) -> bool {
    host_words().binary_search(&hash).is_ok()
}

/// Names that rustrict reads as a rude word whole or inflected (`Bitche`,
/// `Condom`, `Kilian`, `Dick`), slurs and severe abuse left out: the gazetteer's,
/// and the proper nouns of the word lists (entries written with a capital, in
/// every list but German's, which capitalises all nouns) not read as hate: stored as the
/// host-word set is. They are no host words (the word alone is the rude one); the
/// inline stage lets them through only where the line writes them as a name
/// (see `named_in_context` in the crate root).
static HOST_NAMES: &[u8] = include_bytes!("../data/host_names.bin");

/// Everyday words of the launch languages besides English that rustrict reads
/// as English abuse (Dutch `hoe`, how; `dik`, thick; Spanish `venga`), as the
/// hashes of `lang:word`: let through only in a line of that language (see
/// `line_language` in the crate root). Rebuilt with the host words.
static LOCAL_WORDS: &[u8] = include_bytes!("../data/local_words.bin");

/// Phrases of real words with a rude word among them, from WordNet (Debian's
/// `wordnet-base`): the names of animals, foods and plants it writes as two or
/// three words (`blue tit`, `cocker spaniel`, `spotted dick`, `pussy willow`),
/// every sense of which is one of those, and its adverbs of two or three words
/// (`magna cum laude`), as the hashes of their words in lower case, letters
/// only, joined by single spaces ([`phrase_hash`]); a noun's regular plural
/// (`blue tits`) with it. Which phrases qualify: [`phrase_qualifies`]. A word of
/// such a phrase, where a line writes the whole phrase, is not read as abuse
/// (see `allowed_at` in the crate root). Rebuilt with the host words.
static HOST_PHRASES: &[u8] = include_bytes!("../data/host_phrases.bin");

/// WordNet's lexicographer files of the nouns whose phrases may be host phrases:
/// animals (05), foods (13) and plants (20).
pub const PHRASE_NOUN_FILES: [u8; 3] = [5, 13, 20];

/// What is left of a word after the match that is only an inflection of the
/// rude word (in any of the six languages), not another word.
const INFLECTIONS: &[&str] = &[
    "s", "es", "ed", "er", "ers", "ing", "ings", "in", "y", "ie", "ies", "ier", "iest", "est",
    "en", "ern", "em", "e", "a", "o", "as", "os", "ish", "ão", "ões", "ona", "ones", "ote",
];

/// FNV-1a, 64 bits, of `word`'s UTF-8.
pub fn word_hash(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `word` in lower case, letters only (`Bitcoin,` → `bitcoin`); `None` when
/// fewer than four letters are left.
pub fn letters(word: &str) -> Option<String> {
    if word.is_ascii() {
        let out: String = word
            .bytes()
            .filter(u8::is_ascii_alphabetic)
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
        return (out.len() >= 4).then_some(out);
    }
    let out: String = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    (out.chars().count() >= 4).then_some(out)
}

/// Whether rustrict flags `word` as the inline stage acts on it (moderate or
/// worse abuse).
pub fn flagged(word: &str) -> bool {
    crate::analyze(word).is(crate::harmful() & Type::MODERATE_OR_HIGHER)
}

/// `word` as rustrict censors it, or, when that masks nothing, as it censors
/// it at the threshold the stage acts on ([`crate::located`]: a mean word,
/// `loser` in `exploser`), with the first and last masked characters'
/// positions; `None` when neither masks anything.
fn masked_range(word: &str) -> Option<(Vec<char>, usize, usize)> {
    let masked = crate::censored(word);
    let masked = if masked.contains('*') {
        masked
    } else {
        crate::located(word)
    };
    let censored: Vec<char> = masked.chars().collect();
    let first = censored.iter().position(|&c| c == '*')?;
    let last = censored.iter().rposition(|&c| c == '*')?;
    Some((censored, first, last))
}

/// Whether rustrict's match in `word` (lower case, letters only) leaves more
/// than an inflection after it (`cockfosters`, `titlis`): the rude part begins
/// or sits inside the word, rather than ending it as a compound insult does
/// (`kanalfucker`, `scunthorpecunt`).
pub fn embedded_before_a_tail(word: &str) -> bool {
    let Some((censored, _, last)) = masked_range(word) else {
        return false;
    };
    let after: String = censored[last + 1..].iter().collect();
    after.chars().count() >= 3 && !INFLECTIONS.contains(&after.as_str()) && embedded(word)
}

/// Whether rustrict's match in `word` (lower case, letters only) covers only
/// part of it, leaving more than an inflection: the match is taken from the
/// letter before its first masked one (rustrict keeps a match's first letter) to
/// its last; something must be left and, when it all follows the match, not be
/// one of [`INFLECTIONS`] (after a doubled last letter too): `analista` is a
/// host of `anal`, `cunts` is not one of `cunt`.
pub fn embedded(word: &str) -> bool {
    let Some((censored, first, last)) = masked_range(word) else {
        return false;
    };
    let before = first.saturating_sub(1);
    let after: String = censored[last + 1..].iter().collect();
    if before + after.chars().count() == 0 {
        return false;
    }
    if before > 0 {
        return true;
    }
    // A mean word that rustrict does not mask (`loser`, `moron`) is a host's
    // only from inside it (`exploser`), never at its start (`moronic`,
    // `jackasses`, `haters`).
    if !crate::censored(word).contains('*') {
        return false;
    }
    // An inflection may double the match's last letter (`shit` → `shitty`).
    let original: Vec<char> = word.chars().collect();
    let doubled = original.len() == censored.len()
        && censored.get(last + 1).is_some_and(|&c| c == original[last]);
    let inflection = |rest: &str| INFLECTIONS.contains(&rest);
    !(inflection(&after)
        || doubled && inflection(&after[after.chars().next().map_or(0, char::len_utf8)..]))
}

fn in_set(set: &[u8], hash: u64) -> bool {
    let count = set.len() / 8;
    let at = |i: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&set[i * 8..i * 8 + 8]);
        u64::from_le_bytes(bytes)
    };
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match at(mid).cmp(&hash) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Whether rustrict's match in `word` (lower case, letters only) starts inside
/// a real word that begins `word` and runs past its end, and what follows that
/// word is no slur: the match straddles two parts of a compound, so it is no
/// part of its own (`königsklasse`: `könig` and `sklasse` read as `nigs`; not
/// `kankerneger` nor `huisneger`, whose second part is the slur, which a real
/// word ends just before). `is_word` says which words are real. Used when the
/// set is built: a slur may be a host that way.
pub fn straddles(word: &str, is_word: impl Fn(&str) -> bool) -> bool {
    let Some((_, first, last)) = masked_range(word) else {
        return false;
    };
    // rustrict may keep a match's first letter: a match masked from the second
    // letter on may start the word.
    let chars: Vec<char> = word.chars().collect();
    if first < 2 || last >= chars.len() {
        return false;
    }
    // A real word just before the match makes the match a part of its own
    // (`huis` + `neger`).
    let part = |end: usize| is_word(&chars[..end].iter().collect::<String>());
    if part(first) || part(first - 1) {
        return false;
    }
    (first + 1..=last).any(|end| {
        let prefix: String = chars[..end].iter().collect();
        let rest: String = chars[end..].iter().collect();
        end >= 4 && !slur(&prefix) && !hateful(&rest) && is_word(&prefix)
    })
}

/// Whether a word of the set (lower case, letters only) reads as a host still:
/// [`qualifies`], or a slur embedded in it, which only the words whose slur
/// [`straddles`] two parts are (the set is built so); one censor, and the
/// analysis only when the match is not embedded.
pub fn may_host(word: &str) -> bool {
    embedded(word) || !word.is_ascii() && !slur(word) && !crate::censored(word).contains('*')
}

/// Whether a real word (lower case, letters only) may be a host: rustrict's match
/// is [`embedded`] in it, or the word has letters outside ASCII and rustrict
/// masks nothing in it — its rude reading comes from dropping the accent
/// (French `hâte`, haste, read as `hate`). Never a [`slur`].
pub fn qualifies(word: &str) -> bool {
    if slur(word) {
        return false;
    }
    embedded(word) || (!word.is_ascii() && !crate::censored(word).contains('*'))
}

/// Whether `word` is written as a name, in one piece: a capital, then lower-case
/// letters only, punctuation round it left out.
fn written_as_name(word: &str) -> bool {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    let mut chars = core.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase)
}

/// Whether `word` (lower case, letters only), read as a slur, begins with the
/// slur and goes on with a tail of its own: two letters or more, no inflection,
/// nothing rude itself (`fagan`, `cooney`, `fagundes`, `coonabarabran`; not
/// `fagot`, `coons`, `niger`). Asked of names only when the set is made: a
/// name is no insult for the slur it starts with.
pub fn slur_name(word: &str) -> bool {
    // The analysis first (remembered), the censor only for a slur.
    if !slur(word) {
        return false;
    }
    let Some((censored, first, last)) = masked_range(word) else {
        return false;
    };
    let tail: String = censored[last + 1..].iter().collect();
    first <= 1
        && tail.chars().count() >= 2
        && !INFLECTIONS.contains(&tail.as_str())
        && !crate::censored(&tail).contains('*')
        && embedded(word)
}

/// Whether rustrict reads `word` as a slur: severe hate, or hate used as an
/// insult. A real word with severe profanity or sex inside it may still be a
/// host (`Wankdorf`, `terapeuta`, `Therapeut`, `wankel`); a slur inside one never
/// is: dictionaries hold compounds of slurs (`kankerneger`).
pub fn slur(word: &str) -> bool {
    let found = crate::analyze(word);
    found.is(Type::OFFENSIVE & Type::SEVERE)
        || (found.is(Type::OFFENSIVE & Type::MODERATE_OR_HIGHER)
            && found.is(Type::MEAN & Type::MODERATE_OR_HIGHER))
}

/// Whether rustrict reads `word` as hate (moderate or worse).
pub fn hateful(word: &str) -> bool {
    crate::analyze(word).is(Type::OFFENSIVE & Type::MODERATE_OR_HIGHER)
}

/// Whether rustrict reads `word` as a slur or as severe abuse: such a word is
/// never let through as a name or as a compound of a host word, however real
/// (dictionaries hold compounds of slurs, Dutch `kankerneger`, and slurs used as
/// insults, Spanish `retardado`).
pub fn hateful_or_severe(word: &str) -> bool {
    let found = crate::analyze(word);
    found.is(crate::harmful() & Type::SEVERE)
        || (found.is(Type::OFFENSIVE & Type::MODERATE_OR_HIGHER)
            && found.is(Type::MEAN & Type::MODERATE_OR_HIGHER))
}

/// Whether `word` (as written, punctuation and case included) is a real word or
/// name that rustrict flags only for a rude word inside it.
pub fn is_host_word(word: &str) -> bool {
    let Some(bare) = letters(word) else {
        return false;
    };
    if is_host_word_hash(word_hash(&bare)) && may_host(&bare) {
        // A name that begins with a slur passes only written as a name, in one
        // piece (`Fagan`, `Cooney`; not `coonan`, `Coon-ey`, `COONEY`).
        return written_as_name(word) || !slur_name(&bare);
    }
    // A word written with an accent its list spells without (`shiitakés`).
    if bare.is_ascii() {
        return false;
    }
    let mut plain = String::with_capacity(bare.len());
    bare.chars()
        .for_each(|c| crate::intent::fold(c, &mut plain));
    plain != bare && is_host_word_hash(word_hash(&plain)) && may_host(&plain)
}

/// Whether `word` (as written) is a compound with a host word inside it, and
/// rustrict's match lies within that host word: German and Dutch write compounds
/// as one word, so `Kanalarbeiten` (`Kanal`, canal) and `Dickdarmspiegelung`
/// (`Dickdarm`, colon) are in no word list, though their parts are. The host
/// word is a word of the set ([`is_host_word`]), four letters or more; what is
/// left on either side is nothing or three letters or more, and rustrict masks
/// no letter outside the host word (`Scunthorpecunt` is no compound of
/// `Scunthorpe`). Read as a slur or severe abuse, the compound passes only in a
/// host word whose slur straddles two parts (`Königsklasse`, in `königs`).
pub fn is_host_compound(word: &str) -> bool {
    let Some(bare) = letters(word) else {
        return false;
    };
    let chars: Vec<char> = bare.chars().collect();
    // A compound is longer than a word and its inflection.
    if chars.len() < 8 || chars.len() > 40 {
        return false;
    }
    // Most words rustrict masks nothing in: the severity is read only after.
    let Some((censored, first, last)) = masked_range(&bare) else {
        return false;
    };
    if censored.len() != chars.len() {
        return false;
    }
    // A severe reading passes only inside a host word whose slur straddles its
    // parts (`Königsklasse`, in `königs`).
    let severe = hateful_or_severe(&bare);
    let host_of = |w: &str| {
        if severe {
            slur(w) && embedded(w)
        } else {
            qualifies(w)
        }
    };
    // rustrict keeps a match's first letter.
    let first = first.saturating_sub(1);
    let part_ok = |n: usize| n == 0 || n >= 3;
    for start in (0..=first).filter(|&s| part_ok(s)) {
        for end in (last + 1..=chars.len()).filter(|&e| part_ok(chars.len() - e)) {
            if end - start < 4 || (start == 0 && end == chars.len()) {
                continue;
            }
            let host: String = chars[start..end].iter().collect();
            if is_host_word_hash(word_hash(&host)) && host_of(&host) {
                return true;
            }
        }
    }
    false
}

/// The hash of a phrase as the host phrases are stored (its words lower case,
/// letters only, joined by single spaces: [`word_hash`] of that), made without
/// building the string; `None` when a word has no letters, or punctuation parts
/// two of them (`tit, spotted`).
pub fn phrase_hash(words: &[&str]) -> Option<u64> {
    let step = |hash: u64, byte: u8| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut utf8 = [0u8; 4];
    for (i, word) in words.iter().enumerate() {
        let inner_end = i + 1 < words.len() && !word.ends_with(char::is_alphabetic);
        let inner_start = i > 0 && !word.starts_with(char::is_alphabetic);
        if inner_end || inner_start {
            return None;
        }
        if i > 0 {
            hash = step(hash, b' ');
        }
        let mut letters = 0;
        if word.is_ascii() {
            for b in word.bytes().filter(u8::is_ascii_alphabetic) {
                letters += 1;
                hash = step(hash, b.to_ascii_lowercase());
            }
        } else {
            for c in word
                .chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase)
            {
                letters += 1;
                hash = c.encode_utf8(&mut utf8).bytes().fold(hash, step);
            }
        }
        if letters == 0 {
            return None;
        }
    }
    Some(hash)
}

/// Whether `words`, as a line writes them in a row, are a host phrase.
pub fn is_host_phrase(words: &[&str]) -> bool {
    words.len() >= 2 && phrase_hash(words).is_some_and(|hash| in_set(HOST_PHRASES, hash))
}

/// Whether a phrase of WordNet (its words lower case, letters only) may be a
/// host phrase: rustrict flags one of its words, none is severe abuse or a
/// slur (`coon cat`) nor an insult that is no word of sex (`hog sucker`), the
/// word it ends in (the thing it names) is no insult rustrict reads as mean or
/// offensive (`pond scum`, `brood bitch`: "the refs are pond scum" would pass;
/// `pussy willow` ends in a tree), and it reads nothing into the whole phrase
/// that it does not read in its words (`black cock`, a bird, is also a phrase of
/// its own). Used when the set is built.
pub fn phrase_qualifies(words: &[String]) -> bool {
    let severe = crate::harmful() & Type::SEVERE;
    let insulting = (Type::MEAN | Type::OFFENSIVE) & Type::MODERATE_OR_HIGHER;
    let mut in_words = Type::NONE;
    for (i, word) in words.iter().enumerate() {
        let found = crate::analyze(word);
        let insult = found.is(Type::MEAN & Type::MODERATE_OR_HIGHER)
            && found.isnt(Type::SEXUAL & Type::MODERATE_OR_HIGHER);
        let head_insult = i + 1 == words.len() && found.is(insulting);
        if found.is(severe) || insult || head_insult {
            return false;
        }
        in_words |= found;
    }
    let whole = crate::analyze(&words.join(" "));
    let kinds = [Type::PROFANE, Type::OFFENSIVE, Type::SEXUAL, Type::MEAN];
    words.iter().any(|w| flagged(w))
        && kinds.iter().all(|&kind| {
            let kind = kind & Type::MODERATE_OR_HIGHER;
            whole.isnt(kind) || in_words.is(kind)
        })
}

/// Whether `word` (lower case) is an everyday word of `lang` that rustrict
/// reads as English abuse.
pub fn is_local_word(lang: &str, word: &str) -> bool {
    // The hash of `lang:word`, without building the string.
    let hash = [lang.as_bytes(), b":", word.as_bytes()]
        .iter()
        .flat_map(|part| part.iter())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    in_set(LOCAL_WORDS, hash)
}

/// Whether `word` (lower case) is an everyday word of any language of the set.
pub fn is_local_word_anywhere(word: &str) -> bool {
    !LOCAL_WORDS.is_empty()
        && ["nl", "de", "es", "pt", "fr"]
            .iter()
            .any(|lang| is_local_word(lang, word))
}

/// Whether a name (lower case, letters only) is one rustrict reads as
/// rude whole or inflected: kept by [`name_qualifies`] when the set was made.
pub fn is_host_name(bare: &str) -> bool {
    in_set(HOST_NAMES, word_hash(bare)) && name_qualifies(bare)
}

/// Whether a flagged name (lower case, letters only) may be let through where a
/// line writes it as a name: not a host word already, and never a slur or severe
/// abuse.
pub fn name_qualifies(bare: &str) -> bool {
    !qualifies(bare) && !hateful_or_severe(bare)
}

/// The inflected forms of a word of Debian's Spanish list, which holds only
/// the forms a dictionary heads its entries with (`cumplir`, not `cumplen`;
/// `analista`, not `analistas`): the plural, the feminine and plural of an
/// adjective in `-o`, and a verb's regular conjugation in the indicative
/// present, preterite, imperfect and future, the present subjunctive, the
/// participles and the gerund. Stem changes (`cuento`) and spelling changes
/// (`busqué`) are not made; the forms made are only kept in the set when they
/// are host words themselves. Used when the set is built, and when the local
/// words and the lexicon's everyday words are.
pub fn spanish_forms(word: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let Some(last) = word.chars().last() else {
        return forms;
    };
    if "aeiou".contains(last) {
        forms.push(format!("{word}s"));
    } else if last == 'z' {
        forms.push(format!("{}ces", &word[..word.len() - 1]));
    } else if last.is_alphabetic() && !"sxáéíóú".contains(last) {
        forms.push(format!("{word}es"));
    }
    if let Some(stem) = word.strip_suffix('o') {
        forms.extend(["a", "os", "as"].iter().map(|e| format!("{stem}{e}")));
    }
    let class = ["ar", "er", "ir"]
        .into_iter()
        .find(|e| word.ends_with(e) && word.chars().count() >= 4);
    if let Some(class) = class {
        let stem = &word[..word.len() - 2];
        let endings: &[&str] = match class {
            "ar" => &[
                "o", "as", "a", "amos", "áis", "an", "é", "aste", "ó", "asteis", "aron", "aba",
                "abas", "ábamos", "abais", "aban", "e", "es", "emos", "éis", "en", "ado", "ada",
                "ados", "adas", "ando",
            ],
            _ => &[
                "o", "es", "e", "emos", "imos", "éis", "ís", "en", "í", "iste", "ió", "isteis",
                "ieron", "ía", "ías", "íamos", "íais", "ían", "a", "as", "amos", "áis", "an",
                "ido", "ida", "idos", "idas", "iendo",
            ],
        };
        forms.extend(endings.iter().map(|e| format!("{stem}{e}")));
        forms.extend(
            ["é", "ás", "á", "emos", "éis", "án"]
                .iter()
                .map(|e| format!("{word}{e}")),
        );
    }
    forms
}

/// The set as stored: the hashes of `words` (each given lower case, letters
/// only), sorted, without repeats, little-endian.
pub fn encode(words: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut hashes: Vec<u64> = words.into_iter().map(|w| word_hash(&w)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes.iter().flat_map(|h| h.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_host_word_set_is_the_committed_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/host_words.bin");
        let raw = std::fs::read(path).expect("data/host_words.bin is readable");
        let committed: Vec<u64> = raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("chunks of 8")))
            .collect();
        assert!(committed.len() > 10_000, "{}", committed.len());
        assert_eq!(host_words(), committed.as_slice());
        assert!(committed.iter().all(|&h| is_host_word_hash(h)));
        assert!(!is_host_word_hash(committed[0].wrapping_add(1)));
    }

    #[test]
    fn planes_that_are_not_eight_or_overflow_are_refused() {
        assert!(from_byte_planes(&[0; 7]).is_err());
        assert_eq!(from_byte_planes(&[]), Ok(Vec::new()));
        // Two differences of u64::MAX overflow.
        assert!(from_byte_planes(&[0xff; 16]).is_err());
        // 1 and 2 in planes: 1, then 3.
        let mut planes = vec![0u8; 16];
        planes[14] = 1;
        planes[15] = 2;
        assert_eq!(from_byte_planes(&planes), Ok(vec![1, 3]));
    }
}
