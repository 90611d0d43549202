//! Threats and targeted harassment without a swear word in them, by a small
//! grammar of intent in the launch languages (`data/intent.json`):
//!
//! - a **threat** is an opener of intent (`i'll`, `te voy a`, `je vais`, `ich
//!   werde`, `ik ga`, `someone should`) followed, within a few words, by a violent
//!   act (`kill`, `matar`, `umbring*`) *and* a person as its target (`you`, `te`,
//!   `dich`, `je`, `your family`, `the ref`) — or one of the threatening idioms
//!   (`i know where you live`, `watch your back`);
//! - **harassment** is a second-person frame (`you're`, `eres`, `t'es`, `du bist`,
//!   `je bent`) followed within three words by an insult (`worthless`, `inútil`,
//!   `nul`), or telling someone to harm themselves (`kill yourself`), or a
//!   vocative addressing someone (`nice try idiot`); mild name-calling beside
//!   words of **affection** to the person (`love you bro`, `te quiero`) is
//!   teasing;
//! - **pairs**: two parts that need no opener, a threat (`we know where` …
//!   `lives`; knowing someone's routine, `sé a qué hora` … `sales`; their family
//!   alone or on their way from school, `your kids` … `alone`, `ta fille` …
//!   `sort de l'école`) or harassment (`go back to` … `country`), the second
//!   beginning within a few words of the first, the first not after a denial
//!   (`no sé cuándo sales`) and no denial between the two (`ik hoop dat hij
//!   geen gebroken nek heeft`); sexual harassment is such a pair too: asking
//!   someone to undress, to show their body or send nudes, for a private show,
//!   to sit on one's face (`show us` … `your tits`, `zieh` … `oberteil aus`).
//!
//! Each finding has a severity from 1 to 3: the act's or the insult's. The stage
//! holds a line with a finding for review and blocks it at severity 3. Entries are
//! matched on the line lower-cased, without accents, every character other than a
//! letter, a digit or an apostrophe a space; an entry ending in `*` matches any
//! word it begins.

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use serde::Deserialize;

/// How many words after an opener of intent the act and its target may be.
const THREAT_WINDOW: usize = 7;
/// Shooting, a game's act as often as a threat's (`ich werde dich in der
/// nächsten Runde am B Spot mit der AWP erschießen`): never read beyond
/// [`THREAT_WINDOW`].
const SHOOTING: [&str; 6] = [
    "erschies",
    "abknall",
    "abschies",
    "neerschiet",
    "doodschiet",
    "neerknal",
];
/// How far the gravest act (severity 3) may end the opener's clause when its
/// person is named before it: German and Dutch put the verb last, after the
/// time and the place (`ich werde dich nach dem Spiel auf dem Parkplatz
/// umbringen`, `jemand sollte dem Schiri nach dem Spiel das Genick brechen`).
const CLAUSE_END_WINDOW: usize = 12;
/// How many words after the act its target may begin (`kill you`, `hurt your
/// whole family`, `find u`), or end with a word between (`break both your legs`).
const TARGET_AFTER: usize = 3;
/// Words that deny what follows them: a pair's first part after one is none
/// (`no sé cuándo sales`, `não sei onde moras`).
const NEGATIONS: [&str; 3] = ["no", "nao", "not"];

/// Words that deny what follows them inside a sentence, as read (accents
/// dropped, apostrophes kept): between a pair's two parts, they deny the second.
const DENIALS_BETWEEN: [&str; 20] = [
    "not", "never", "don't", "doesn't", "didn't", "niet", "geen", "nooit", "nicht", "kein",
    "keine", "keinen", "nie", "pas", "jamais", "no", "nunca", "nao", "nem", "ni",
];

/// Words that deny the act of a threat the grammar reads, before it (`je vais
/// pas te tuer`, `ik ga je niet vermoorden`, `i will never hurt you`, `não vou
/// te machucar`) or, in French, Dutch and German, right after it or its person
/// (`je te tue pas`, `ik vermoord je niet`). Spanish `no` too, read only in
/// Spanish: it is English "no" (`i will show no mercy`) and Portuguese "in the"
/// (`eu desço no gramado pra esganar ele`). Not French `ne`, which chat also
/// writes for German `eine` (`ich jag dir ne kugel in den kopf`).
const DENIALS_OF_ACT: [&str; 20] = [
    "not", "never", "won't", "wont", "niet", "geen", "nooit", "nicht", "kein", "keine", "keinen",
    "nie", "niemals", "pas", "jamais", "nunca", "jamas", "nao", "nem", "ni",
];

/// The denials an English opener of intent may hold (`i won't`, `i'm not
/// gonna`); not those of other openers (`ik kan niet wachten om`, "I can't
/// wait to").
const DENYING_OPENERS: [&str; 3] = ["won't", "wont", "not"];

/// Words that deny an act after it or its person, in French, Dutch and German.
const DENIALS_AFTER_ACT: [&str; 7] = ["pas", "niet", "nooit", "nicht", "nie", "niemals", "jamais"];

/// Spanish and Portuguese pronouns that may stand between a denial and its
/// verb (`no te voy a`, `não te vou`).
const CLITICS: [&str; 13] = [
    "te", "le", "lo", "la", "los", "las", "les", "os", "me", "nos", "lhe", "o", "a",
];

/// Words that may stand beside the denial between an opener and its act, other
/// than [`CLITICS`]: the person (`ik ga je niet`, `ich werde dich nicht`), the
/// verbs of the future after a shorter opener (`ik` … `ga`, `ich` … `werde`,
/// `eu` … `vou`, `je` … `ne vais pas`), `ever`, `echt`.
const BESIDE_DENIAL: [&str; 39] = [
    "you", "u", "ya", "dich", "dir", "euch", "ihn", "ihm", "je", "jou", "jullie", "hem", "vous",
    "lui", "ne", "vais", "va", "vas", "allons", "vont", "ga", "gaan", "zal", "zullen", "werde",
    "werd", "wird", "werden", "will", "vou", "vai", "vamos", "voy", "a", "ever", "even", "echt",
    "wirklich", "ooit",
];

/// Words that may stand before a denied threat, not after it: Spanish and
/// Portuguese subjects (`eu nunca vou te machucar`; `no te voy a matar yo`
/// says someone else will), and words that take back what is before them
/// (`jk i won't kill you`; `i won't kill you jk`, `ik vermoord je niet,
/// maar…`).
const ONLY_BEFORE: [&str; 6] = ["eu", "yo", "jk", "kidding", "nah", "maar"];

/// Words that say nothing of a threat around one the line denies: calming,
/// promising, addressing, laughing (with [`laughter`]). A denied threat with
/// only these around it is the whole line (`relax i won't kill you lol`, `no
/// te voy a matar tranqui`, `ik vermoord je niet hoor`).
const FILLER: [&str; 59] = [
    "relax",
    "chill",
    "calm",
    "down",
    "ok",
    "okay",
    "promise",
    "swear",
    "i",
    "bro",
    "bruh",
    "dude",
    "man",
    "mate",
    "dw",
    "worry",
    "don't",
    "dont",
    "tranqui",
    "tranquilo",
    "tranquila",
    "calma",
    "hermano",
    "amigo",
    "te",
    "lo",
    "juro",
    "prometo",
    "wey",
    "guey",
    "tio",
    "relaxa",
    "mano",
    "fica",
    "irmao",
    "t'inquiete",
    "tinquiete",
    "tkt",
    "promis",
    "mec",
    "frere",
    "hein",
    "keine",
    "sorge",
    "alter",
    "digga",
    "junge",
    "entspann",
    "ruhig",
    "versprochen",
    "ehrlich",
    "hoor",
    "joh",
    "gast",
    "rustig",
    "beloofd",
    "maat",
    "nou",
    "echt",
];

/// Words that begin a place, a time or a thing after a mild act's person in one
/// word (`find you in the lobby`, `te visitar mañana`, `hol dich morgen ab`,
/// `get you a coffee`): the act is an errand, no threat. Articles that also
/// begin a body part (`la gueule`, `la cara`) are not among them, nor
/// Portuguese `um`, German's particle (`ich hau dich um`), nor the words of
/// place and time that also begin a threat's (`in the face`, `at your house`,
/// `na saída`, Dutch `na`, after, `tonight`): the list holds one language's
/// word only where it is no other's word of threat.
const ERRANDS: [&str; 43] = [
    "tomorrow", "later", "a", "an", "the", "some", "at", "in", "on", "al", "en", "manana", "luego",
    "esta", "un", "una", "amanha", "depois", "uma", "as", "morgen", "ab", "beim", "zum", "zur",
    "im", "am", "ein", "eine", "einen", "spater", "au", "demain", "ce", "une", "chez", "van",
    "naar", "een", "straks", "met", "op", "bij",
];

/// Words that begin a time only before a number ([`NUMBER`]).
const CLOCK: [&str; 2] = ["um", "om"];

/// How the grammar reads a word that begins with a digit and is no entry's
/// (`7`, `19h`, `8pm`).
const NUMBER: &str = "#";

/// Where a threat is carried out, after a place word (`in the face`, `at the
/// exit`, `à la sortie`, `bij de uitgang`): no errand's.
const THREAT_SPOTS: [&str; 24] = [
    "face",
    "teeth",
    "head",
    "mouth",
    "neck",
    "nose",
    "gueule",
    "tete",
    "cara",
    "boca",
    "fresse",
    "maul",
    "kop",
    "bek",
    "exit",
    "saida",
    "salida",
    "sortie",
    "uitgang",
    "ausgang",
    "parking",
    "stationnement",
    "parkplatz",
    "alley",
];

/// Whether `words[at]` begins an errand's place, time or thing ([`ERRANDS`]),
/// not a threat's spot ([`THREAT_SPOTS`]) or a person's (`at your house`, `in
/// je gezicht`) in the three words after it.
fn errand_at(g: &Grammar, line: &Line<'_>, at: usize) -> bool {
    // German and Dutch `um`/`om` begin a time only before a number
    // (`hol dich um 7 ab`); alone, `um` is a particle (`bring dich um`).
    let clock =
        |w: &str| CLOCK.contains(&w) && line.words.get(at + 1).is_some_and(|n| *n == NUMBER);
    line.words
        .get(at)
        .is_some_and(|&w| ERRANDS.contains(&w) || g.errands.iter().any(|e| e == w) || clock(w))
        && !(at + 1..(at + 4).min(line.words.len()))
            .any(|i| THREAT_SPOTS.contains(&line.words[i]) || g.targets.starts_at(line, i))
}

/// Games and quizzes: an act followed by one in its clause is a contest's
/// (`je vais te tuer au quiz`, `te voy a reventar en el 1v1`, `ich zerstör
/// dich im ranked`). Names of a kind of play only: `match`, `game`, `partida`
/// also name the event a threat is made about ("after the match").
const CONTESTS: [&str; 43] = [
    "quiz",
    "trivia",
    "ranked",
    "fifa",
    "1v1",
    "1x1",
    "1vs1",
    "x1",
    "chess",
    "schach",
    "ajedrez",
    "xadrez",
    "echecs",
    "dammen",
    "klaverjassen",
    "kart",
    "bowling",
    "darts",
    "poker",
    "truco",
    "skat",
    "belote",
    "petanque",
    "monopoly",
    "scrabble",
    "catan",
    "pictionary",
    "wordle",
    "tetris",
    "geoguessr",
    "fortnite",
    "valorant",
    "tekken",
    "csgo",
    "cs2",
    "snooker",
    "billiards",
    "kicker",
    "padel",
    "tafeltennis",
    "pingpong",
    "badminton",
    "minigolf",
];

/// Words that deny what a clause says after them (`nobody is saying the ref
/// should die`, `ninguém acha que o juiz merece morrer`, `i don't think the
/// ref deserves to die`); not a plain `nicht` or `not`, which veil a threat as
/// often (`würd mich nicht wundern, wenn dein auto mal abbrennt`).
const NOBODY: [&str; 8] = [
    "nobody", "noone", "nadie", "ninguem", "personne", "niemand", "dont", "don't",
];

/// Whether a denial stands earlier in the clause of `words[at]`.
fn denied_before(line: &Line<'_>, at: usize) -> bool {
    (0..at)
        .rev()
        .take_while(|&i| !line.ends_clause(i))
        .any(|i| NOBODY.contains(&line.words[i]))
}

/// Whether `raw[i]` is a word of [`FILLER`] or laughter.
fn filler_at(raw: &[&str], i: usize) -> bool {
    raw.get(i)
        .is_some_and(|w| FILLER.contains(w) || laughter(w))
}

/// A threat the grammar reads, to be checked for a denial ([`denied_alone`]):
/// its opener at `words[start..from]` (none for an idiom: `start == from`),
/// its act or idiom at `words[at..after]`.
struct ThreatSpan {
    start: usize,
    from: usize,
    at: usize,
    after: usize,
}

/// Whether the threat read at `r` is denied and is all the line says, with
/// only [`FILLER`] before and after it: one denial, right before a Spanish or
/// Portuguese opener or idiom (`no te voy a matar tranqui`, `não vou te
/// matar`), in an English opener (`i won't kill you`), between the opener and
/// the act with only the person beside it ([`BESIDE_DENIAL`]: `je vais pas te
/// tuer`, `i will never hurt you`), or right after a French, Dutch or German
/// act or its person (`je te tue pas`, `ik vermoord je niet hoor`).
///
/// A denial anywhere else, or anything more in the line, leaves the threat as
/// read: `i won't stop until i find you`, `i won't kill you yet`, `i won't kill
/// you, i'll make you suffer`, `who says i won't kill you`, `i won't hurt you if
/// you pay`.
fn denied_alone(g: &Grammar, line: &Line<'_>, raw: &[&str], r: &ThreatSpan) -> bool {
    let word = |i: usize| line.words[i];
    let filler = |i: usize| filler_at(raw, i);
    let denies = |w: &str| g.denies(w);
    let mut denials = 0;
    // Right before a Spanish or Portuguese opener or idiom, or before a
    // pronoun right before it.
    let mut first = r.start;
    if g.denies_before_verb {
        if first >= 1 && denies(word(first - 1)) {
            first -= 1;
            denials += 1;
        } else if first >= 2 && CLITICS.contains(&word(first - 1)) && denies(word(first - 2)) {
            first -= 2;
            denials += 1;
        }
    }
    if !(0..first).all(|i| filler(i) || raw.get(i).is_some_and(|w| ONLY_BEFORE.contains(w))) {
        return false;
    }
    denials += (r.start..r.from)
        .filter(|&i| DENYING_OPENERS.contains(&word(i)))
        .count();
    for i in r.from..r.at {
        if denies(word(i)) {
            denials += 1;
        } else if !(CLITICS.contains(&word(i)) || BESIDE_DENIAL.contains(&word(i))) {
            return false;
        }
    }
    // The person after the act, then a French, Dutch or German denial.
    let mut end = r.after;
    let mut person = 0;
    g.targets
        .each_at(line, end, &mut |n, _| person = person.max(n));
    end += person;
    if line
        .words
        .get(end)
        .is_some_and(|w| DENIALS_AFTER_ACT.contains(w))
    {
        denials += 1;
        end += 1;
    }
    // One clause (not `no, te voy a matar`, `ich bring dich um, nicht?`).
    denials == 1 && (end..raw.len()).all(filler) && !(first..end - 1).any(|i| line.ends_clause(i))
}

/// Words that may stand between a denial and the insult it denies after a
/// frame (`you're not an idiot`, `du bist echt kein`); not those of
/// [`SOFTENERS`].
const BEFORE_DENIED_INSULT: [&str; 14] = [
    "a", "an", "un", "una", "um", "uma", "une", "ein", "eine", "einen", "een", "really", "echt",
    "wirklich",
];

/// Spanish and Portuguese frames that begin with their verb, which a denial
/// right before denies (`no eres un inútil`, `não és um burro`); not the
/// others, after which a denial answers someone (`no, pedazo de idiota`, `não,
/// seu burro`, `não, você é burro`).
const VERB_FRAMES: [&str; 4] = ["eres", "sos", "sois", "es"];

/// Words that only soften a denied insult (`you're not that fat bro`, `não és
/// tão burro`, `je bent niet zo dik`), between the denial and the insult or in
/// the frame (`es tao`, `du bist so`).
const SOFTENERS: [&str; 8] = [
    "so",
    "that",
    "such",
    "tan",
    "tao",
    "zo",
    "trop",
    "tellement",
];

/// German and Dutch frames that ask (`bist du nicht dumm`, `ben je niet een
/// sukkel`): a denial after them asserts the insult.
const ASKING_FRAMES: [&str; 6] = ["bist", "biste", "seid", "ben", "was", "wat"];

/// Whether the insult at `words[at..after]`, read after the frame at
/// `words[start..from]`, is denied and is all the line says: one denial,
/// right after the frame with only an article or `echt` between (`you're not
/// an idiot`, `du bist kein Versager`, `je bent niet dom hoor`, `t'es pas nul
/// mec`), or right before a Spanish or Portuguese frame that begins with its
/// verb ([`VERB_FRAMES`]: `no eres un inútil`); only [`FILLER`] around it.
/// Not after a frame that asks ([`ASKING_FRAMES`]) or softens ([`SOFTENERS`]),
/// nor an insult of the gravest severity (`you're not retarded, you're
/// special`). Anything more in the line leaves the insult as read: a limit
/// (`du bist nicht nur dumm`), another clause (`you're not a failure, you just
/// fail at everything`), a tag (`t'es pas nul, ou quoi`), a doubt before it
/// (`stop acting like you're not an idiot`), a second denial.
fn insult_denied(
    g: &Grammar,
    line: &Line<'_>,
    raw: &[&str],
    frame: (usize, usize),
    insult: (usize, usize, u8),
) -> bool {
    let ((start, from), (at, after, severity)) = (frame, insult);
    if severity >= 3
        || ASKING_FRAMES.contains(&line.words[start])
        || (start..from).any(|i| SOFTENERS.contains(&line.words[i]))
    {
        return false;
    }
    let word = |i: usize| line.words[i];
    let filler = |i: usize| filler_at(raw, i);
    let denies = |w: &str| g.denies(w);
    let mut denials = 0;
    let mut first = start;
    if g.denies_before_verb
        && first >= 1
        && denies(word(first - 1))
        && VERB_FRAMES.contains(&word(start))
    {
        first -= 1;
        denials += 1;
    }
    for i in from..at {
        if denies(word(i)) {
            denials += 1;
        } else if !BEFORE_DENIED_INSULT.contains(&word(i)) {
            return false;
        }
    }
    denials == 1
        && !(first..after - 1).any(|i| line.ends_clause(i))
        && (0..first).all(filler)
        && (after..raw.len()).all(filler)
}

/// Subjects and forms of "to be" and "to have" after which a wish of death
/// (`sterf`, `crève`, `stirb`; `ga dood`, naming no person: [`said_of_oneself`])
/// is said of oneself or of a thing, no order to someone: `ik sterf hier` (I'm
/// dying laughing), `je suis crevé` (worn out), `mon pneu a crevé`. Not words
/// that also greet or stand for `que` (`yo kys`, `k morra`).
const SELF_SUBJECTS: [&str; 22] = [
    "i", "ik", "ich", "je", "j'suis", "jsuis", "chuis", "chui", "jsui", "suis", "on", "il", "elle",
    "est", "t'es", "j'ai", "t'as", "a", "bin", "ist", "eu", "hij",
];

/// Whether the wish of death at `words[at]` follows a subject or a form of
/// "to be" or "to have" in its clause ([`SELF_SUBJECTS`]). A wish of one
/// word is then said of oneself, and so is an order of several that names no
/// person, whose words also say "I am going to die" (Dutch `ik ga dood`,
/// German `ich geh sterben`); not one that names its person (`ik hoop dat je
/// dood gaat`, `ich kill dich`).
fn said_of_oneself(line: &Line<'_>, at: usize) -> bool {
    at > 0 && !line.ends_clause(at - 1) && SELF_SUBJECTS.contains(&line.words[at - 1])
}

/// Whether an exception begins anywhere in `words[at..at + len]` or right
/// after it: `mourir de rire` inside `tu vas mourir de rire`, `de saudades`
/// after `mato-te`.
fn excepted(g: &Grammar, line: &Line<'_>, at: usize, len: usize) -> bool {
    (at..=(at + len).min(line.words.len().saturating_sub(1))).any(|i| g.except.starts_at(line, i))
}

/// Words that put a game after them as the place of play (`au quiz`, `in
/// ranked`, `en el 1v1`, `no xadrez`), and the articles that may stand between.
/// Not Portuguese `na`, which is Dutch for "after" (`ik ga je vermoorden na het
/// klaverjassen`); the games of the list are masculine in Portuguese.
const AT_PLAY: [&str; 18] = [
    "at", "in", "on", "en", "au", "aux", "a", "al", "im", "beim", "bei", "no", "em", "op", "bij",
    "om", "met", "sur",
];
const PLAY_ARTICLES: [&str; 13] = [
    "the", "el", "la", "le", "de", "het", "der", "die", "das", "o", "den", "dem", "een",
];

/// Whether a word of [`CONTESTS`] follows `words[from]` within five words, in
/// the same clause, as the place of play ([`AT_PLAY`]): "i'll stab you after
/// chess club", "with a fire poker" are no contests.
fn in_contest(line: &Line<'_>, from: usize) -> bool {
    let word = |i: usize| line.words[i];
    let at_play = |i: usize| {
        i >= 1 && AT_PLAY.contains(&word(i - 1))
            || i >= 2 && PLAY_ARTICLES.contains(&word(i - 1)) && AT_PLAY.contains(&word(i - 2))
    };
    for i in from..(from + 5).min(line.words.len()) {
        if CONTESTS.contains(&word(i)) && at_play(i) {
            return true;
        }
        if line.ends_clause(i) {
            return false;
        }
    }
    false
}

/// How many words after a second-person frame the insult may be.
const INSULT_WINDOW: usize = 3;

/// What the grammar found in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// 1 (menacing) to 3 (serious violence, self-harm).
    pub severity: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Threat,
    Harassment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Threat => "threat",
            Kind::Harassment => "harassment",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    intent: Vec<String>,
    acts: HashMap<String, u8>,
    targets: Vec<String>,
    threats: HashMap<String, u8>,
    frames: Vec<String>,
    insults: HashMap<String, u8>,
    selfharm: HashMap<String, u8>,
    #[serde(default)]
    pairs: Vec<RawPair>,
    /// Phrases that look like an act or an idiom and are not one (`shoot you a
    /// message`, `you're dead right`): a finding where one of them begins is
    /// dropped.
    #[serde(default)]
    except: Vec<String>,
    /// Words that name a person as an insult (`loser`, `versager`, `bon a
    /// rien`): harassment where they address someone, a clause of their own
    /// (`nietsnut, je krijgt…`), the end of a clause not after an article or
    /// possessive (`nice try idiot`), or right after a word of [`address`].
    #[serde(default)]
    vocatives: Vec<String>,
    /// Words of affection to the person addressed (`love you`, `hab dich
    /// lieb`, `te quiero`): beside them mild name-calling is teasing.
    #[serde(default)]
    affection: Vec<String>,
    /// Put-downs that tell someone their word is unwanted (`nobody asked
    /// you`, `niemand hat dich gefragt`, `personne t'a demandé ton avis`):
    /// harassment, save in a line that asks a question (`¿nadie te invitó al
    /// grupo? yo te invito`) or quotes (`she said "nobody asked you" lmao`).
    #[serde(default)]
    putdowns: Vec<String>,
    /// Words that address someone before a vocative (`you`, `du`, `toi`, `so`),
    /// with at most one word between (`you brainless sheep`).
    #[serde(default)]
    address: Vec<String>,
    /// Words after which a vocative names someone rather than addresses them
    /// (`a`, `the`, `der`, `mon`, `i`): articles, determiners, possessives, the
    /// first person. Read in every language's lines (`what a clown` has a
    /// French `clown` after an English `a`).
    #[serde(default)]
    not_after: Vec<String>,
    /// This language's own words of [`ERRANDS`], read only in its grammar
    /// (Portuguese `no`, `na`, which are English `no` and Dutch `na`, after).
    #[serde(default)]
    errands: Vec<String>,
}

/// Two parts of a threat that need no opener (`we know where … lives`): an entry
/// of `first`, then one of `then` beginning within `within` words after it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    first: Vec<String>,
    then: Vec<String>,
    within: usize,
    severity: u8,
    #[serde(default)]
    kind: RawKind,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    #[default]
    Threat,
    Harassment,
}

/// One word of an entry: whole, or a beginning (`stab*`).
#[derive(Debug, Clone)]
enum Word {
    Exact(String),
    Prefix(String),
}

impl Word {
    fn matches(&self, token: &str) -> bool {
        match self {
            Word::Exact(w) => w == token,
            Word::Prefix(p) => token.starts_with(p.as_str()),
        }
    }
}

type Entry = Vec<Word>;

/// Entries with a severity, indexed by their first word: whole first words by
/// the word, beginnings by their first four letters (a beginning has at least
/// four), so a line's words are looked up, not compared with every entry.
#[derive(Debug, Default)]
struct List {
    /// This list's bit in a word's mask of the lists it begins an entry of.
    bit: u128,
    entries: Vec<(Entry, u8)>,
    /// Per entry, whether it was written with a first `^` and a final `$`: it
    /// matches only where a clause begins (`^ gonna`, not "this sauce is gonna
    /// kill you") and ends (`you are nothing $`, not "you are nothing like
    /// him").
    anchors: Vec<(bool, bool)>,
    /// Whether an entry matches only inside one clause.
    in_one_clause: bool,
    by_word: FxHashMap<String, Vec<usize>>,
    /// Entries whose first two words are whole, by both: many entries share a
    /// common first word (`ich`, `with`, `je`), few share two.
    by_two: FxHashMap<String, FxHashMap<String, Vec<usize>>>,
    by_stem: FxHashMap<String, Vec<usize>>,
}

/// An entry with its choices spelled out: `with (that|your) face` is `with
/// that face` and `with your face`; an empty choice makes a part optional
/// (`(die |)kamera aus`). Groups do not nest.
fn alternatives(raw: &str) -> Vec<String> {
    let group = raw
        .find('(')
        .and_then(|open| Some((open, open + raw[open..].find(')')?)));
    let Some((open, close)) = group else {
        return vec![raw.to_owned()];
    };
    let (head, tail) = (&raw[..open], &raw[close + 1..]);
    raw[open + 1..close]
        .split('|')
        .flat_map(|choice| alternatives(&format!("{head}{choice}{tail}")))
        .collect()
}

fn stem_key(word: &str) -> Option<&str> {
    word.char_indices()
        .nth(4)
        .map(|(i, _)| &word[..i])
        .or_else(|| (word.chars().count() == 4).then_some(word))
}

impl List {
    /// Every word of every entry (`Exact`) and every beginning's first four
    /// letters into `words` and `stems`, with this list's bit added to the
    /// masks of those that begin an entry.
    fn keys(&self, words: &mut FxHashMap<String, u128>, stems: &mut FxHashMap<String, u128>) {
        for (entry, _) in &self.entries {
            for (i, word) in entry.iter().enumerate() {
                let bit = if i == 0 { self.bit } else { 0 };
                match word {
                    Word::Exact(w) => *words.entry(w.clone()).or_default() |= bit,
                    Word::Prefix(p) => {
                        if let Some(k) = stem_key(p) {
                            *stems.entry(k.to_owned()).or_default() |= bit;
                        }
                    }
                }
            }
        }
    }

    fn add(&mut self, raw: &str, severity: u8) {
        self.add_tagged(raw, severity.clamp(1, 3));
    }

    /// Adds an entry with `tag` in place of a severity, each of its
    /// [`alternatives`] an entry of its own.
    fn add_tagged(&mut self, raw: &str, tag: u8) {
        for raw in alternatives(raw) {
            self.add_one(&raw, tag);
        }
    }

    fn add_one(&mut self, raw: &str, tag: u8) {
        let raw = raw.trim();
        let (raw, at_end) = match raw.strip_suffix('$') {
            Some(rest) => (rest, true),
            None => (raw, false),
        };
        let (raw, at_start) = match raw.strip_prefix('^') {
            Some(rest) => (rest, true),
            None => (raw, false),
        };
        // Each word is read as a line's words are (accents folded, a hyphen a
        // space: `vou-te` is `vou te`, `vô` is `vo`), a final `*` kept.
        let mut entry: Entry = Vec::new();
        for word in raw.split_whitespace() {
            let (body, prefix) = match word.strip_suffix('*') {
                Some(body) => (body, true),
                None => (word, false),
            };
            let mut parts = tokens(body);
            let last = parts.pop();
            entry.extend(parts.into_iter().map(Word::Exact));
            if let Some(last) = last {
                entry.push(if prefix {
                    Word::Prefix(last)
                } else {
                    Word::Exact(last)
                });
            }
        }
        let index = self.entries.len();
        match entry.first() {
            Some(Word::Exact(w)) => match entry.get(1) {
                Some(Word::Exact(second)) => self
                    .by_two
                    .entry(w.clone())
                    .or_default()
                    .entry(second.clone())
                    .or_default()
                    .push(index),
                _ => self.by_word.entry(w.clone()).or_default().push(index),
            },
            Some(Word::Prefix(p)) => match stem_key(p) {
                Some(key) => self.by_stem.entry(key.to_owned()).or_default().push(index),
                // A beginning shorter than four letters would match too much.
                None => return,
            },
            None => return,
        }
        self.entries.push((entry, tag));
        self.anchors.push((at_start, at_end));
    }

    /// Calls `found(length, severity)` for each entry matching the words at `at`.
    fn each_at(&self, line: &Line<'_>, at: usize, found: &mut impl FnMut(usize, u8)) {
        // Only a word whose mask has this list's bit begins one of its entries.
        if line.masks.get(at).is_none_or(|m| m & self.bit == 0) {
            return;
        }
        let token = line.words[at];
        let mut check = |i: usize| {
            let (entry, severity) = &self.entries[i];
            if let Some(slice) = line.words.get(at..at + entry.len()) {
                let (at_start, at_end) = self.anchors[i];
                if entry.iter().zip(slice).all(|(w, t)| w.matches(t))
                    && (!at_start || at == 0 || line.ends_clause(at - 1))
                    && (!at_end || line.ends_clause(at + entry.len() - 1))
                    // Acts not across a clause's end (`go with my gut, you
                    // guys`); idioms may be (`wäre schade, wenn dir was passiert`).
                    && !(self.in_one_clause
                        && (at..at + entry.len() - 1).any(|j| line.ends_clause(j)))
                {
                    found(entry.len(), *severity);
                }
            }
        };
        let next = line.words.get(at + 1).copied().unwrap_or_default();
        let two = self.by_two.get(token).and_then(|by_next| by_next.get(next));
        for &i in self
            .by_word
            .get(token)
            .into_iter()
            .flatten()
            .chain(two.into_iter().flatten())
        {
            check(i);
        }
        let stem = stem_key(token).and_then(|k| self.by_stem.get(k));
        for &i in stem.into_iter().flatten() {
            check(i);
        }
    }

    /// Whether an entry begins at `at`.
    fn starts_at(&self, line: &Line<'_>, at: usize) -> bool {
        let mut any = false;
        self.each_at(line, at, &mut |_, _| any = true);
        any
    }

    /// Calls `found(position, length, severity)` for each entry lying wholly in
    /// `words[from..to]`.
    fn each_in(
        &self,
        line: &Line<'_>,
        from: usize,
        to: usize,
        found: &mut impl FnMut(usize, usize, u8),
    ) {
        // No word of the line begins an entry of this list.
        if line.lists & self.bit == 0 {
            return;
        }
        let to = to.min(line.words.len());
        for i in line.hot_in(from, to) {
            self.each_at(line, i, &mut |n, s| {
                if i + n <= to {
                    found(i, n, s);
                }
            });
        }
    }

    /// The highest severity of an entry lying wholly in `words[from..to]`.
    fn best_in(&self, line: &Line<'_>, from: usize, to: usize) -> Option<u8> {
        let mut best = None;
        self.each_in(line, from, to, &mut |_, _, s| best = best.max(Some(s)));
        best
    }
}

/// A line's words as the grammar reads them, those in no entry blanked, and
/// where the others are.
struct Line<'a> {
    words: Vec<&'a str>,
    /// Per word, the lists it begins an entry of (a bit each).
    masks: Vec<u128>,
    /// Per word, whether a clause ends after it: a comma, a full stop, `!`,
    /// `?`, `;`, `:`, an ellipsis or an emoji follows before the next word.
    breaks: Vec<bool>,
    /// The words that begin an entry somewhere.
    hot: Vec<usize>,
    /// Every list some word of the line begins an entry of (the masks' union).
    lists: u128,
}

impl Line<'_> {
    /// Whether a clause ends after `words[i]` (the last word ends one too).
    fn ends_clause(&self, i: usize) -> bool {
        i + 1 >= self.words.len() || self.breaks.get(i).copied().unwrap_or(true)
    }

    /// The positions of words that some entry has, from `from` to before `to`.
    fn hot_in(&self, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
        let start = self.hot.partition_point(|&i| i < from);
        self.hot[start..]
            .iter()
            .copied()
            .take_while(move |&i| i < to)
    }
}

/// One language's grammar. A line's language is not known: it is read with each
/// in turn, never with parts of two (French `nul` after German `du` is no insult).
#[derive(Debug, Default)]
struct Grammar {
    intent: List,
    acts: List,
    targets: List,
    threats: List,
    frames: List,
    insults: List,
    selfharm: List,
    /// Every pair's `first` entries in one list, tagged with the pair's index.
    pair_firsts: List,
    except: List,
    vocatives: List,
    affection: List,
    putdowns: List,
    address: Vec<String>,
    errands: Vec<String>,
    pairs: Vec<Pair>,
    /// Whether a denial right before an opener of intent denies it (Spanish
    /// and Portuguese: [`denied_alone`]).
    denies_before_verb: bool,
    /// Whether `no` denies an act after an opener (Spanish only).
    denies_with_no: bool,
}

impl Grammar {
    /// Whether `word` denies an act or an insult in this language
    /// ([`DENIALS_OF_ACT`]; Spanish `no`).
    fn denies(&self, word: &str) -> bool {
        DENIALS_OF_ACT.contains(&word) || self.denies_with_no && word == "no"
    }
}

#[derive(Debug, Default)]
struct Pair {
    then: List,
    within: usize,
    severity: u8,
    kind: Kind,
}

/// Every language's grammar, and the words and beginnings any entry has, each
/// with the mask of the lists it begins an entry of.
struct Grammars {
    languages: Vec<Grammar>,
    words: FxHashMap<String, u128>,
    stems: FxHashMap<String, u128>,
    /// Every language's words after which a vocative names someone.
    not_after: FxHashSet<String>,
}

fn grammars() -> &'static Grammars {
    static GRAMMARS: OnceLock<Grammars> = OnceLock::new();
    GRAMMARS.get_or_init(|| {
        let (mut languages, not_after) = load();
        let (mut words, mut stems) = (FxHashMap::default(), FxHashMap::default());
        // Thirteen bits a language (eleven lists, the exceptions, the pairs' second
        // parts): at most six languages in a u128.
        languages.truncate(6);
        for (li, g) in languages.iter_mut().enumerate() {
            let base = li * 13;
            let lists = [
                &mut g.intent,
                &mut g.acts,
                &mut g.targets,
                &mut g.threats,
                &mut g.frames,
                &mut g.insults,
                &mut g.selfharm,
                &mut g.pair_firsts,
                &mut g.except,
                &mut g.vocatives,
                &mut g.affection,
                &mut g.putdowns,
            ];
            for (k, list) in lists.into_iter().enumerate() {
                list.bit = 1 << (base + k);
                list.keys(&mut words, &mut stems);
            }
            for pair in &mut g.pairs {
                pair.then.bit = 1 << (base + 12);
                pair.then.keys(&mut words, &mut stems);
            }
            // Read before a vocative, never first in an entry: kept as words
            // (not blanked), with no list's bit.
            for word in g.address.iter().chain(&g.errands) {
                words.entry(word.clone()).or_default();
            }
        }
        for word in not_after
            .iter()
            .map(String::as_str)
            .chain(DENIALS_BETWEEN)
            .chain(DENIALS_OF_ACT)
            .chain(CLITICS)
            .chain(BESIDE_DENIAL)
            .chain(BEFORE_DENIED_INSULT)
            .chain(SOFTENERS)
            .chain(NOBODY)
            .chain(ERRANDS)
            .chain(THREAT_SPOTS)
            .chain(CONTESTS)
            .chain(CLOCK)
            .chain(NOT_FOND_BEFORE)
            .chain(SELF_SUBJECTS)
            .chain(["va"])
        {
            words.entry(word.to_owned()).or_default();
        }
        Grammars {
            languages,
            words,
            stems,
            not_after,
        }
    })
}

/// `data/intent.json`, deflated by the build script (`build.rs`).
static DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/intent.json.deflate"));

/// Largest inflated grammar accepted (the file is about 130 KB).
const MAX_INFLATED: usize = 4 * 1024 * 1024;

/// The grammar's JSON text, inflated.
fn grammar_json() -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(DEFLATED, MAX_INFLATED)
        .map_err(|e| format!("cannot inflate: {e}"))
}

/// Every language's grammar, and the words after which a vocative names
/// someone (all languages').
fn load() -> (Vec<Grammar>, FxHashSet<String>) {
    {
        let raw: HashMap<String, RawLanguage> = match grammar_json()
            .and_then(|json| serde_json::from_slice(&json).map_err(|e| e.to_string()))
        {
            Ok(raw) => raw,
            Err(err) => {
                // The file is checked by the tests; a broken one finds nothing.
                tracing::error!(error = %err, "data/intent.json does not load");
                HashMap::new()
            }
        };
        let mut languages: Vec<_> = raw.into_iter().collect();
        languages.sort_by(|a, b| a.0.cmp(&b.0));
        let mut not_after = FxHashSet::default();
        let grammars = languages
            .iter()
            .map(|(name, l)| {
                let mut g = Grammar {
                    denies_before_verb: matches!(name.as_str(), "es" | "pt"),
                    denies_with_no: name == "es",
                    ..Grammar::default()
                };
                l.intent.iter().for_each(|r| g.intent.add(r, 1));
                l.acts.iter().for_each(|(r, s)| g.acts.add(r, *s));
                g.acts.in_one_clause = true;
                l.targets.iter().for_each(|r| g.targets.add(r, 1));
                l.threats.iter().for_each(|(r, s)| g.threats.add(r, *s));
                l.frames.iter().for_each(|r| g.frames.add(r, 1));
                l.insults.iter().for_each(|(r, s)| g.insults.add(r, *s));
                l.selfharm.iter().for_each(|(r, s)| g.selfharm.add(r, *s));
                l.except.iter().for_each(|r| g.except.add(r, 1));
                l.vocatives.iter().for_each(|r| g.vocatives.add(r, 1));
                l.affection.iter().for_each(|r| g.affection.add(r, 1));
                l.putdowns.iter().for_each(|r| g.putdowns.add(r, 1));
                g.address.clone_from(&l.address);
                g.errands.clone_from(&l.errands);
                not_after.extend(l.not_after.iter().cloned());
                // At most 256 pairs a language (the tag is a byte).
                for (index, raw) in l.pairs.iter().take(256).enumerate() {
                    let mut pair = Pair {
                        within: raw.within.clamp(1, 8),
                        severity: raw.severity.clamp(1, 3),
                        kind: match raw.kind {
                            RawKind::Threat => Kind::Threat,
                            RawKind::Harassment => Kind::Harassment,
                        },
                        ..Pair::default()
                    };
                    let tag = u8::try_from(index).unwrap_or(u8::MAX);
                    raw.first
                        .iter()
                        .for_each(|r| g.pair_firsts.add_tagged(r, tag));
                    raw.then.iter().for_each(|r| pair.then.add(r, 1));
                    g.pairs.push(pair);
                }
                g
            })
            .collect();
        (grammars, not_after)
    }
}

/// `c` without its accent, lower case (the Latin letters of the launch languages).
pub(crate) fn fold(c: char, out: &mut String) {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ß' => {
            out.push_str("ss");
            return;
        }
        'œ' => {
            out.push_str("oe");
            return;
        }
        'æ' => {
            out.push_str("ae");
            return;
        }
        '’' | '‘' | '`' | '´' => '\'',
        c => c,
    };
    out.push(plain);
}

/// The line's words as the grammar reads them.
pub fn tokens(text: &str) -> Vec<String> {
    tokens_and_breaks(text).0
}

/// Whether `c`, between two words, ends a clause: punctuation that ends one,
/// or an emoji (`nice try 🤡 clown`).
fn ends_clause(c: char) -> bool {
    matches!(c, ',' | '.' | '!' | '?' | ';' | ':' | '…' | '¡' | '¿')
        || ('\u{2600}'..='\u{27bf}').contains(&c)
        || c >= '\u{1f000}'
}

/// The line's words as the grammar reads them (lower case, accents folded,
/// every character but a letter, a digit or an apostrophe a space), and per
/// word whether a clause ends after it (see [`ends_clause`]).
fn tokens_and_breaks(text: &str) -> (Vec<String>, Vec<bool>) {
    let folded = folded(text);
    let (words, breaks) = words_and_breaks(&folded);
    (words.into_iter().map(str::to_owned).collect(), breaks)
}

/// `text` in lower case with accents folded ([`fold`]).
fn folded(text: &str) -> String {
    if text.is_ascii() {
        // Of ASCII, [`fold`] changes only the backtick.
        let folded = text.to_ascii_lowercase();
        return if folded.contains('`') {
            folded.replace('`', "'")
        } else {
            folded
        };
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        // ASCII lower-cased directly (`char::to_lowercase`'s iterator costs
        // more); of it [`fold`] changes only the backtick.
        if c.is_ascii() {
            folded.push(match c {
                '`' => '\'',
                c => c.to_ascii_lowercase(),
            });
        } else {
            for lower in c.to_lowercase() {
                fold(lower, &mut folded);
            }
        }
    }
    folded
}

/// The words of `folded` ([`folded`]): every character but a letter, a digit
/// or an apostrophe a space; and per word whether a clause ends after it.
fn words_and_breaks(folded: &str) -> (Vec<&str>, Vec<bool>) {
    fn push<'a>(word: &'a str, words: &mut Vec<&'a str>, breaks: &mut Vec<bool>) {
        let word = word.trim_matches('\'');
        if !word.is_empty() {
            words.push(word);
            breaks.push(false);
        }
    }
    let (mut words, mut breaks) = (Vec::with_capacity(24), Vec::with_capacity(24));
    let mut start = None;
    for (i, c) in folded.char_indices() {
        if c.is_alphanumeric() || c == '\'' {
            start.get_or_insert(i);
            continue;
        }
        if let Some(from) = start.take() {
            push(&folded[from..i], &mut words, &mut breaks);
        }
        if ends_clause(c) {
            if let Some(last) = breaks.last_mut() {
                *last = true;
            }
        }
    }
    if let Some(from) = start {
        push(&folded[from..], &mut words, &mut breaks);
    }
    (words, breaks)
}

/// Whether `word` (as [`tokens`] reads it) is laughter: `jajaja`, `kkkk`,
/// `hahaha`, `rsrs`, `lol`, `xd`, `mdr` (not `kkk`, which may be the Klan).
pub(crate) fn laughter(word: &str) -> bool {
    const RUNS: [&str; 8] = [
        "jaja", "jeje", "jiji", "haha", "hehe", "kkkk", "rsrs", "huehue",
    ];
    RUNS.iter().any(|r| word.starts_with(r))
        || matches!(
            word,
            "kk" | "lol" | "lmao" | "lmfao" | "xd" | "xdd" | "mdr" | "ptdr"
        )
}

/// A threat in a line that laughs is banter more often than not (`si no me
/// traes los tacos te mato jajaja`, `te voy a matar en la próxima partida jaja
/// gg`): held for review, never blocked.
fn laughed_off(text: &str, words: &[String], threat: Finding) -> Finding {
    let laughs = words.iter().any(|w| laughter(w)) || text.contains(['\u{1F602}', '\u{1F923}']);
    if laughs {
        Finding {
            severity: threat.severity.min(2),
            ..threat
        }
    } else {
        threat
    }
}

/// Words that name a neighbour: knowing where someone lives, or when they
/// come home, is a neighbour's knowledge beside one (`haha ik weet waar je
/// woont, ik ben je buurvrouw`, `sé dónde vives, vecino`).
const NEIGHBOURS: [&str; 22] = [
    "neighbour",
    "neighbours",
    "neighbor",
    "neighbors",
    "neighbour's",
    "neighbor's",
    "nachbar",
    "nachbarn",
    "nachbarin",
    "buurman",
    "buurvrouw",
    "buren",
    "voisin",
    "voisine",
    "voisins",
    "vecino",
    "vecina",
    "vecinos",
    "vizinho",
    "vizinha",
    "vizinhos",
    "vizinhas",
];

/// Whether a line's `words` name a neighbour ([`NEIGHBOURS`], `next door`): a
/// threat short of the gravest beside one is talk between neighbours.
fn neighbourly(words: &[String]) -> bool {
    words.iter().any(|w| NEIGHBOURS.contains(&w.as_str()))
        || words.windows(2).any(|w| w[0] == "next" && w[1] == "door")
}

/// Words after affection's that make it a wish, not affection (`i'd love you
/// to shut up`, `te quiero fuera del canal`).
const NOT_FOND_BEFORE: [&str; 7] = ["to", "fuera", "lejos", "muerto", "muerta", "out", "gone"];

/// Verbs that report what someone else said or wrote, in the past only, as
/// written in lower case with their accents (`the guy who yelled 'go back
/// to your country' got banned`, `iemand noemde de keeper 'nutteloze
/// clown'`, `'…' zugerufen hat`): a quotation beside one is mentioned, not
/// said to anyone. No form that is also a present, an imperative or an
/// infinitive (Spanish `grito` without its accent, French `crie`, `dit`,
/// `écrire`), which tell or set a room on someone (`écrivez « … » sous
/// chaque photo`), nor a word of another language (Dutch `dit`).
const REPORTING: [&str; 49] = [
    "said",
    "yelled",
    "shouted",
    "screamed",
    "wrote",
    "written",
    "called",
    "posted",
    "typed",
    "chanted",
    "tweeted",
    "commented",
    "dijo",
    "dijeron",
    "gritó",
    "gritaron",
    "escribió",
    "escribio",
    "escribieron",
    "llamó",
    "comentó",
    "disse",
    "disseram",
    "gritou",
    "gritaram",
    "escreveu",
    "escreveram",
    "chamou",
    "comentou",
    "postou",
    "gesagt",
    "gerufen",
    "zugerufen",
    "geschrien",
    "geschrieben",
    "gebrüllt",
    "genannt",
    "rief",
    "schrieb",
    "sagte",
    "nannte",
    "crié",
    "hurlé",
    "traité",
    "riep",
    "schreef",
    "noemde",
    "gezegd",
    "geroepen",
];

/// Words that make a report the writer's own words to someone: a first
/// person that says or calls (`i said "…"`, `like we said`, `hab ihm '…'
/// geschrieben`), or a second person told, called or named (`i called you
/// out, '…'`, `te llamó '…'`, `your mom said '…'`); also before an
/// apostrophe (`you're`, `i've`).
const SPEAKERS: [&str; 54] = [
    "i", "i'm", "im", "we", "me", "my", "our", "us", "you", "your", "ur", "u", "yo", "mi", "te",
    "tu", "tú", "nosotros", "eu", "meu", "nos", "você", "voce", "vc", "vocês", "teu", "tua", "seu",
    "sua", "ich", "hab", "habe", "wir", "mich", "mir", "dich", "dir", "dein", "je", "j'ai", "nous",
    "toi", "ton", "vous", "votre", "t'a", "ik", "heb", "mijn", "jou", "jij", "jouw", "jullie",
    "moi",
];

/// How many words before a quotation, or after it, its reporting verb may be
/// (`noemde de keeper eerder '…'`, `'…' naar de vleugelspeler riep`).
const REPORT_WINDOW: usize = 4;

/// Quotation marks that open a quotation, each with the marks that may
/// close it. Single quotes count only at a word's edges (not `t'es`).
const QUOTES: [(char, &str); 8] = [
    ('"', "\"\u{201d}\u{201c}"),
    ('\u{201c}', "\u{201d}\u{201c}\""),
    ('\u{201e}', "\u{201c}\u{201d}\""),
    ('\u{201a}', "\u{2018}\u{2019}'"),
    ('\u{ab}', "\u{bb}"),
    ('\u{bb}', "\u{ab}"),
    ('\'', "'\u{2019}"),
    ('\u{2018}', "\u{2019}'"),
];

/// Whether `words` (lower case, accents kept) report what someone else said:
/// a verb of [`REPORTING`] and no speaker of [`SPEAKERS`] among them.
fn reports(words: impl IntoIterator<Item = String>) -> bool {
    let (mut verb, mut speaker) = (false, false);
    for w in words {
        // After an elision too (`l'a traité`).
        verb |= REPORTING.contains(&w.rsplit('\'').next().unwrap_or(&w));
        speaker |= SPEAKERS.contains(&w.as_str())
            || SPEAKERS.contains(&w.split('\'').next().unwrap_or(&w));
    }
    verb && !speaker
}

/// The words of `part`, a stretch of a line around a quotation or inside
/// one, apostrophes kept inside them (`l'a`, `didn’t`), as written.
fn quoted_words(part: &str) -> impl DoubleEndedIterator<Item = &str> {
    part.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
        .map(|w| w.trim_matches(['\'', '\u{2019}']))
        .filter(|w| !w.is_empty())
}

/// `text` with its quotations of two words or more blanked (each a bare
/// quotation mark, so no clause breaks where none was), when a verb within
/// [`REPORT_WINDOW`] words before or after one, in its sentence, reports it
/// ([`reports`]), in a line that names no one by handle (`@…`):
/// what is quoted to be condemned is no threat or insult of the writer's.
/// `None` when the line quotes nothing of that kind.
pub(crate) fn mentions_blanked(text: &str) -> Option<String> {
    // One pass over the bytes first. A line that names someone by handle
    // speaks to them; most lines quote nothing. A single quote opens only at
    // the line's start or after a space (an apostrophe inside a word opens
    // nothing); `"`, `“`, `„`, `‚`, `«` and `»` anywhere.
    let bytes = text.as_bytes();
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        let after_space = || i == 0 || bytes[i - 1] == b' ';
        quoted |= match b {
            b'@' => return None,
            b'"' => true,
            b'\'' => after_space(),
            // `«`, `»`.
            0xC2 => matches!(bytes.get(i + 1), Some(0xAB | 0xBB)),
            // `‘` (U+2018) as a single quote; `‚`, `“`, `„` anywhere.
            0xE2 => {
                bytes.get(i + 1) == Some(&0x80)
                    && match bytes.get(i + 2) {
                        Some(0x98) => after_space(),
                        Some(0x9A | 0x9C | 0x9E) => true,
                        _ => false,
                    }
            }
            _ => false,
        };
    }
    if !quoted {
        return None;
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let letter = |k: usize| chars.get(k).is_some_and(|&(_, c)| c.is_alphanumeric());
    let single = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}');
    // Each word lower-cased only when looked at.
    let lower = |w: &str| w.to_lowercase().replace('\u{2019}', "'");
    let mut spans = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        let opens = QUOTES
            .iter()
            .find(|(open, _)| *open == c)
            .filter(|_| !single(c) || (letter(k + 1) && (k == 0 || !letter(k - 1))));
        let Some((_, closes)) = opens else {
            k += 1;
            continue;
        };
        let close = (k + 1..chars.len()).find(|&j| {
            closes.contains(chars[j].1) && (!single(chars[j].1) || (!letter(j + 1) && j > k + 1))
        });
        let Some(j) = close else {
            k += 1;
            continue;
        };
        let end = chars[j].0 + chars[j].1.len_utf8();
        let inner = &text[at + c.len_utf8()..chars[j].0];
        // Within the quotation's sentence only.
        let sentence_end = |c: char| matches!(c, '.' | '!' | '?' | ';' | '\n');
        let before = quoted_words(text[..at].rsplit(sentence_end).next().unwrap_or_default());
        let after = quoted_words(text[end..].split(sentence_end).next().unwrap_or_default());
        let near = before
            .rev()
            .take(REPORT_WINDOW)
            .chain(after.take(REPORT_WINDOW))
            .map(lower);
        if quoted_words(inner).nth(1).is_some() && reports(near) {
            spans.push((at, end));
        }
        k = j + 1;
    }
    if spans.is_empty() {
        return None;
    }
    let mut outside = String::with_capacity(text.len());
    let mut from = 0;
    for &(start, end) in &spans {
        outside.push_str(&text[from..start]);
        outside.push_str(" \" ");
        from = end;
    }
    outside.push_str(&text[from..]);
    Some(outside)
}

/// The most severe threat or harassment in `text`, if any (a threat where
/// both are as severe). Laughter softens a threat, never harassment or
/// telling someone to harm themselves; affection clears a mild insult; a
/// quotation the line reports is read as mentioned ([`mentions_blanked`]).
pub fn assess(text: &str) -> Option<Finding> {
    assess_unquoted(text, mentions_blanked(text).as_deref())
}

/// [`assess`] of `text`, given its [`mentions_blanked`] (found once by a
/// caller that reads the blanked line again).
pub(crate) fn assess_unquoted(text: &str, unquoted: Option<&str>) -> Option<Finding> {
    let Some(unquoted) = unquoted else {
        return assess_read(text);
    };
    // The gravest quoted (death, self-harm) is never cleared by a report: a
    // report may endorse it (`he said '…' and he's right`).
    let said = assess_read(text);
    if said.is_some_and(|f| f.severity == 3) {
        return said;
    }
    assess_read(unquoted)
}

/// What `text` denies, read once for the learned model's sentence heads,
/// which read words and not their denial.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Denials {
    /// It denies a threat the grammar reads in it (`je te tue pas`, `no te voy
    /// a matar`, `i will never hurt you`) and states none.
    pub threat: bool,
    /// It is nothing but an insult it denies after a frame (`du bist nicht
    /// dumm`, `je bent niet dom hoor`, `t'es pas nul mec`) and states no
    /// threat or harassment.
    pub insult: bool,
}

/// [`Denials`] of `text`.
pub(crate) fn denials(text: &str) -> Denials {
    let reading = assess_as_written(text);
    Denials {
        threat: reading.denied && reading.threat.is_none(),
        insult: reading.denied_insult
            && reading.threat.is_none()
            && reading.harassment.is_none()
            && reading.insult.is_none(),
    }
}

/// [`assess`] of `text` as it stands.
fn assess_read(text: &str) -> Option<Finding> {
    let Reading {
        threat,
        harassment,
        insult,
        ..
    } = assess_as_written(text);
    let insult = insult.map(|severity| Finding {
        kind: Kind::Harassment,
        severity,
    });
    let harassment = [harassment, insult]
        .into_iter()
        .flatten()
        .max_by_key(|f| f.severity);
    // The line's words, read again only where a threat was found.
    let threat = threat.and_then(|t| {
        let words = tokens(text);
        (t.severity == 3 || !neighbourly(&words)).then(|| laughed_off(text, &words, t))
    });
    match (threat, harassment) {
        (Some(t), Some(h)) if h.severity > t.severity => Some(h),
        (Some(t), _) => Some(t),
        (None, h) => h,
    }
}

/// What the grammar reads in a line as written.
struct Reading {
    threat: Option<Finding>,
    harassment: Option<Finding>,
    /// The most severe name-calling (mild beside affection is none).
    insult: Option<u8>,
    /// Whether a threat was read and denied ([`denied_alone`]).
    denied: bool,
    /// Whether an insult after a frame was read and denied ([`insult_denied`]).
    denied_insult: bool,
}

/// The most severe threat, the most severe harassment other than name-calling,
/// and the most severe name-calling in `text` (mild name-calling beside
/// affection is none), before laughter is read.
fn assess_as_written(text: &str) -> Reading {
    let all = grammars();
    // Words no entry has are blanked, so that most lookups end at once;
    // numbers are kept as one mark.
    let folded = folded(text);
    let (tokens, breaks) = words_and_breaks(&folded);
    let mut hot = Vec::with_capacity(tokens.len());
    let mut masks = Vec::with_capacity(tokens.len());
    let words: Vec<&str> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let word = all.words.get(w);
            let stem = stem_key(w).and_then(|k| all.stems.get(k));
            let mask = word.copied().unwrap_or(0) | stem.copied().unwrap_or(0);
            masks.push(mask);
            if mask != 0 {
                hot.push(i);
            }
            if word.is_some() || stem.is_some() {
                w
            } else if w.starts_with(|c: char| c.is_ascii_digit()) {
                NUMBER
            } else {
                ""
            }
        })
        .collect();
    if hot.is_empty() {
        return Reading {
            threat: None,
            harassment: None,
            insult: None,
            denied: false,
            denied_insult: false,
        };
    }
    let lists = masks.iter().fold(0, |all, mask| all | mask);
    let line = Line {
        words,
        masks,
        breaks,
        hot,
        lists,
    };
    let n_words = line.words.len();
    let (mut threat, mut harassment): (Option<Finding>, Option<Finding>) = (None, None);
    // Whether a threat was read and denied (`je te tue pas`), and an insult
    // after a frame (`du bist nicht dumm`), each all the line says.
    let mut denied = false;
    let mut denied_insult = false;
    // The line's words unblanked, for the words around a denied threat
    // ([`denied_alone`]), split again only when one is read; none in a line
    // with an emoji, an emoticon or a question (`i won't kill you 🔪`, `;)`,
    // `no te voy a matar? jaja`), which may take the denial back.
    let unblanked = std::cell::OnceCell::new();
    let raw = || {
        unblanked
            .get_or_init(|| {
                text.chars()
                    .all(|c| {
                        c.is_alphanumeric()
                            || c.is_whitespace()
                            || matches!(c, '\'' | '’' | ',' | '.' | '!' | '…')
                    })
                    .then(|| words_and_breaks(&folded).0)
            })
            .as_deref()
    };
    // Name-calling (a vocative, an insult after a frame), kept apart: affection
    // may clear it ([`assess`]).
    let mut insult: Option<u8> = None;
    let mut note = |kind: Kind, severity: u8| {
        let best = match kind {
            Kind::Threat => &mut threat,
            Kind::Harassment => &mut harassment,
        };
        if best.is_none_or(|b| severity > b.severity) {
            *best = Some(Finding { kind, severity });
        }
    };
    for g in &all.languages {
        g.threats.each_in(&line, 0, n_words, &mut |at, len, s| {
            if !excepted(g, &line, at, len)
                && !in_contest(&line, at + len)
                && !denied_before(&line, at)
            {
                let idiom = ThreatSpan {
                    start: at,
                    from: at,
                    at,
                    after: at + len,
                };
                if raw().is_some_and(|raw| denied_alone(g, &line, raw, &idiom)) {
                    denied = true;
                } else {
                    note(Kind::Threat, s);
                }
            }
        });
        g.selfharm.each_in(&line, 0, n_words, &mut |at, len, s| {
            // An order that names its person (`hoop dat je dood gaat`, `kill
            // dich`) is said to someone whatever stands before it.
            let names_a_person = || (at..at + len).any(|i| g.targets.starts_at(&line, i));
            if !(excepted(g, &line, at, len)
                || said_of_oneself(&line, at) && (len == 1 || !names_a_person()))
            {
                note(Kind::Harassment, s);
            }
        });
        g.vocatives.each_in(&line, 0, n_words, &mut |at, len, s| {
            if addresses(g, &all.not_after, &line, at, len) {
                insult = insult.max(Some(s));
            }
        });
        if line.lists & g.putdowns.bit != 0 && !text.contains(['?', '"', '“', '«']) {
            g.putdowns.each_in(&line, 0, n_words, &mut |at, len, _| {
                if !excepted(g, &line, at, len) {
                    note(Kind::Harassment, 1);
                }
            });
        }
        g.pair_firsts
            .each_in(&line, 0, n_words, &mut |at, len, index| {
                let Some(pair) = g.pairs.get(usize::from(index)) else {
                    return;
                };
                // Not when denied: "no sé cuándo sales" (the other languages
                // deny elsewhere: `i don't know when`, `ich weiß nicht wann`).
                if at > 0 && NEGATIONS.contains(&line.words[at - 1]) || denied_before(&line, at) {
                    return;
                }
                let from = at + len;
                // `then` begins within `within` words; it may end beyond them. A
                // denial between the parts denies the second ("ik hoop dat hij
                // geen gebroken nek heeft", "hope he doesn't break his neck").
                let denied_at = |i: usize| {
                    line.words[from..i]
                        .iter()
                        .any(|w| DENIALS_BETWEEN.contains(w))
                };
                // Nor where an exception begins right after the second (`if i
                // were you i'd kill myself laughing`).
                let meant = |i: usize| {
                    let mut meant = false;
                    pair.then.each_at(&line, i, &mut |n, _| {
                        meant |= !g.except.starts_at(&line, i + n);
                    });
                    meant
                };
                if line
                    .hot_in(from, from + pair.within)
                    .any(|i| !denied_at(i) && meant(i))
                {
                    note(pair.kind, pair.severity);
                }
            });
        for &start in &line.hot {
            let mut openers = Vec::new();
            g.intent.each_at(&line, start, &mut |n, _| openers.push(n));
            for n in openers {
                // The person is named before the act (`te voy a matar`, `ich werde
                // dich umbringen`) or right after it (`kill you`, `find your family`).
                let mut acts = Vec::new();
                let from = start + n;
                g.acts
                    .each_in(&line, from, from + CLAUSE_END_WINDOW, &mut |at, len, s| {
                        acts.push((at, len, s));
                    });
                for (at, len, s) in acts {
                    let after = at + len;
                    // Beyond the window only the gravest act that ends the
                    // opener's clause, its person before it, no shooting and
                    // no game named on the way (`ich werde dich nach dem
                    // Abendessen im ranked komplett umbringen`).
                    let far = after > from + THREAT_WINDOW;
                    let reaches = || {
                        s == 3
                            && line.ends_clause(after - 1)
                            && !(start..after - 1).any(|i| line.ends_clause(i))
                            && !SHOOTING.iter().any(|p| line.words[at].starts_with(p))
                            && !(from..at).any(|i| in_contest(&line, i))
                    };
                    if far && !reaches() || excepted(g, &line, at, len) {
                        continue;
                    }
                    // A mild act (`find`, `get`, `visit`) needs its person right
                    // beside it: "we will get a new striker" is transfer talk. A
                    // person right after it may be named in more than one word
                    // (`quebrar tua cara`, `find your family`).
                    // A person in one word (`you`, `te`, `dich`) followed by a
                    // place, a time or a thing is an errand's: "i'll find you in
                    // the lobby", "vou te visitar amanhã", "we will get you a new
                    // keyboard" are plans, "i'll find you", "i'll beat you to
                    // death" are not; a body part or kin (`tua cara`, `ta gueule`,
                    // `your family`) is never an errand's.
                    let person_after = if s == 1 {
                        let mut longest = 0;
                        g.targets
                            .each_at(&line, after, &mut |n, _| longest = longest.max(n));
                        let errand = !line.ends_clause(after) && errand_at(g, &line, after + 1);
                        longest > 1 || longest == 1 && !errand
                    } else {
                        g.targets
                            .best_in(&line, after, after + TARGET_AFTER)
                            .is_some()
                    };
                    let before = if s == 1 { at.saturating_sub(1) } else { start };
                    // A serious French act with its person elided into it (`je
                    // vais t'égorger`, `je viens t'étrangler`; a game's `je vais
                    // t'éclater au quiz` is no such act).
                    let person_inside = s == 3 && line.words[at].starts_with("t'")
                        // An act that names its person (`skin you alive`, `rip
                        // your head off`).
                        || g.targets.best_in(&line, at, after).is_some();
                    // So too with the person before the act (`vou te visitar
                    // amanhã`, `je passe te chercher à 8h`).
                    let errand_after_act =
                        !line.ends_clause(after - 1) && errand_at(g, &line, after);
                    let person_before = g.targets.best_in(&line, before, at).is_some()
                        && (s > 1 || !errand_after_act);
                    let named = if far {
                        person_before
                    } else {
                        person_inside || person_before || person_after
                    };
                    if !named || in_contest(&line, after) {
                        continue;
                    }
                    let read = ThreatSpan {
                        start,
                        from,
                        at,
                        after,
                    };
                    if raw().is_some_and(|raw| denied_alone(g, &line, raw, &read)) {
                        denied = true;
                    } else if !(start..from).any(|i| DENYING_OPENERS.contains(&line.words[i])) {
                        // An opener that denies (`i won't`) is read only for
                        // a denial: `i'm not gonna kill u over a game`.
                        note(Kind::Threat, s);
                    }
                }
            }
            let mut frames = Vec::new();
            g.frames.each_at(&line, start, &mut |n, _| frames.push(n));
            for n in frames {
                let from = start + n;
                g.insults
                    .each_in(&line, from, from + INSULT_WINDOW, &mut |at, len, s| {
                        // Not one the line denies and says nothing more of
                        // (`du bist nicht dumm`).
                        let frame = (start, from);
                        if raw().is_some_and(|raw| {
                            insult_denied(g, &line, raw, frame, (at, at + len, s))
                        }) {
                            denied_insult = true;
                        } else {
                            insult = insult.max(Some(s));
                        }
                    });
            }
        }
    }
    // Affection to the person clears mild name-calling (`you absolute muppet 😂
    // love you bro`), in a line that denies nothing (`je t'aime pas, bouffon`)
    // and not as a wish (`i'd love you to shut up, idiot`).
    let fond = || {
        !line.words.iter().any(|w| DENIALS_BETWEEN.contains(w))
            && all.languages.iter().any(|g| {
                let mut fond = false;
                g.affection.each_in(&line, 0, n_words, &mut |at, len, _| {
                    fond |= line
                        .words
                        .get(at + len)
                        .is_none_or(|next| !NOT_FOND_BEFORE.contains(next));
                });
                fond
            })
    };
    let insult = insult.filter(|s| *s > 1 || !fond());
    Reading {
        threat,
        harassment,
        insult,
        denied,
        denied_insult,
    }
}

/// Words of address that are also possessives (`tu`, `seu`): they address
/// only right before the vocative.
const POSSESSIVE_ADDRESS: [&str; 6] = ["tu", "seu", "sua", "seus", "suas", "vos"];

/// Whether the vocative at `words[at..at + len]` addresses someone: a clause
/// of its own (`versager, deine mama…`, `ok, loser`, `bouffon va`), the end of a clause
/// whose two words before are no article, possessive or first person (`nice
/// try idiot`, not `what a clown`, `the class clown`, `ich idiot`), or right
/// after a word of address, or one word after it, in the same clause (`du
/// penner`, `you brainless sheep`).
fn addresses(
    g: &Grammar,
    not_after: &FxHashSet<String>,
    line: &Line<'_>,
    at: usize,
    len: usize,
) -> bool {
    let word = |i: usize| line.words[i];
    let broken = |i: usize| line.ends_clause(i);
    let starts = at == 0 || broken(at - 1);
    // French sends off after a vocative too (`bouffon va`, `pauvre tache va`).
    let ends = broken(at + len - 1) || line.words.get(at + len) == Some(&"va") && broken(at + len);
    let names = |i: usize| not_after.contains(word(i));
    let address = |i: usize| g.address.iter().any(|w| w == word(i));
    let ends_unnamed =
        ends && !starts && !names(at - 1) && (at < 2 || broken(at - 2) || !names(at - 2));
    // One word between only when it is an insult itself (`you brainless
    // sheep`, `du dummer penner`), and never after a word of address that is
    // also a possessive (`seu burro de estimação`, `tu payaso favorito`).
    let addressed = at >= 1
        && !starts
        && address(at - 1)
        && (ends || !POSSESSIVE_ADDRESS.contains(&word(at - 1)))
        || at >= 2
            && !starts
            && !broken(at - 2)
            && address(at - 2)
            && !POSSESSIVE_ADDRESS.contains(&word(at - 2))
            && g.insults.starts_at(line, at - 1);
    starts && ends || ends_unnamed || addressed
}

/// Whether the grammar's data parsed (checked by the tests).
pub fn loaded() -> bool {
    let gs = &grammars().languages;
    gs.len() >= 6
        && gs.iter().all(|g| {
            !g.intent.entries.is_empty()
                && !g.acts.entries.is_empty()
                && !g.insults.entries.is_empty()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<(&'static str, u8)> {
        assess(text).map(|f| (f.kind.as_str(), f.severity))
    }

    #[test]
    fn affection_clears_only_a_mild_insult() {
        for line in [
            "you absolute muppet 😂 love you bro",
            "eres un bobo, pero te quiero hermano",
            "du Versager, hab dich trotzdem lieb",
            "t'es un idiot, je t'adore",
        ] {
            assert_eq!(kind(line), None, "{line}");
        }
        for line in [
            "you absolute muppet",
            "t'es un idiot",
            "du Versager",
            "i'd love you to shut up, idiot",
            "je t'aime pas, bouffon",
            "ich liebe dich nicht, du Versager",
            "te quiero fuera del canal, payaso",
            // Affection clears name-calling only.
            "you're a nobody, ily",
            "you're worthless, love you",
            "love you, now kill yourself",
        ] {
            assert!(kind(line).is_some(), "{line}");
        }
    }

    #[test]
    fn an_entry_s_choices_are_spelled_out() {
        assert_eq!(alternatives("kill you"), ["kill you"]);
        assert_eq!(
            alternatives("with (that|your) (face|nose)"),
            [
                "with that face",
                "with that nose",
                "with your face",
                "with your nose"
            ]
        );
        assert_eq!(alternatives("(die |)kamera"), ["die kamera", "kamera"]);
        // An unclosed group is read as written.
        assert_eq!(alternatives("with (that face"), ["with (that face"]);
    }

    #[test]
    fn a_serious_act_may_end_a_long_clause_after_its_person() {
        read_as(
            Some("threat"),
            &[
                "ich werde dich nach dem Spiel auf dem Parkplatz umbringen",
                "jemand sollte dem Schiri nach dem Spiel auf dem Parkplatz das Genick brechen",
                "ik ga je na de wedstrijd op de parkeerplaats vermoorden",
            ],
        );
        read_as(
            None,
            &[
                // Not a mild act, nor one in another clause or with its person
                // after it.
                "ich werde dich morgen nach dem Training am Bahnhof abholen und finden",
                "ich werde dich nach dem Spiel anrufen, der Schiri soll ihn umbringen lassen",
                "ik ga morgen na de wedstrijd op de parkeerplaats een film over moord zien",
            ],
        );
    }

    #[test]
    fn tropes_are_read_in_every_language() {
        for line in [
            // A face unfit for the camera.
            "mit dem Gesicht würd ich die Kamera lieber auslassen",
            "met zo'n hoofd zou ik ook de camera uit laten",
            "avec une tête pareille je couperais la cam",
            "con esa cara yo apagaría la cámara",
            "com essa cara eu desligava a câmera",
            "with a face like that i'd keep the cam off",
            // Back to the kitchen.
            "vrouwen moeten niet over voetbal praten, ga lekker terug naar de keuken",
            "mulher tem que ficar na cozinha",
            "women should stay in the kitchen",
            // Knowing the town, the street, the school.
            "je sais dans quelle ville tu vis",
            "I know what town you live in",
            "ich weiß in welcher Stadt du wohnst",
            "ik weet in welke straat je woont",
            "sé en qué ciudad vives",
            "eu sei em que cidade tu mora",
        ] {
            assert!(assess(line).is_some(), "{line}");
        }
        read_as(
            None,
            &[
                "mit dem Kopf würde ich den Ball eher flach halten",
                "with your head you should aim low on a header",
                "do you know what town the final is in",
                "you'll regret not buying at 20k",
            ],
        );
    }

    #[test]
    fn a_death_wished_as_advice_is_harassment() {
        read_as(
            Some("harassment"),
            &[
                "if i were you i'd kill myself",
                "se eu fosse você me matava. ninguém ia sentir falta",
                "an deiner Stelle würde ich mich umbringen",
                "à ta place je me pendrais",
            ],
        );
        read_as(
            None,
            &[
                "en tu lugar me mataba estudiando para el examen",
                "a ta place je me pendrais à son cou après ce but",
                "if i were you i'd sell before the halving",
                "an deiner Stelle würde ich mich beschweren",
            ],
        );
    }

    #[test]
    fn a_neighbour_knows_where_one_lives() {
        read_as(
            None,
            &[
                "i know where you live lol, i'm literally next door, bring the tea round",
                "haha ik weet waar je woont joh, ik ben je buurvrouw",
                "sé dónde vives, vecino, te dejé las empanadas en la puerta",
            ],
        );
        // Not the gravest threats, nor without a neighbour named.
        for line in [
            "i know where you live, neighbour, and i'll kill you",
            "i know where you live",
        ] {
            assert!(assess(line).is_some(), "{line}");
        }
    }

    #[test]
    fn the_grammar_loads() {
        assert!(loaded(), "data/intent.json did not parse or is empty");
    }

    #[test]
    fn words_are_read_without_case_accents_or_punctuation() {
        assert_eq!(
            tokens("Je VAIS te défoncer!!! T’es MORT."),
            ["je", "vais", "te", "defoncer", "t'es", "mort"]
        );
        assert_eq!(tokens("Straße…"), ["strasse"]);
        assert!(tokens("  ...  ").is_empty());
    }

    #[test]
    fn threats_most_languages_say_are_read_in_each() {
        // Paying in blood, teeth knocked out or picked off the floor, a head
        // torn off, "you'll pay for this": idioms three languages or more had,
        // now in the others too.
        all_found(
            "threat",
            &[
                "isso tu vai pagar com sangue",
                "you'll be picking your teeth up off the floor",
                "noch ein wort und du sammelst deine zähne vom boden",
                "das wirst du mir büßen",
                "me las pagarás, payaso",
                "cuidadito conmigo",
                "je vais t'arracher la tête",
                "te arranco a cabeça",
            ],
        );
        // A villain in a film, a toothpick.
        none_found(&[
            "no filme o vilão vai pagar com a vida",
            "pick your teeth with a toothpick after the bbq",
        ]);
    }

    #[test]
    fn threats_need_intent_an_act_and_a_person() {
        for line in [
            "i'm going to kill you after the match",
            "I will find you and hurt you",
            "je vais t'égorger",
            "encore un mot et je viens t'étrangler",
            "te voy a matar cuando salgas",
            "vou te matar seu lixo",
            "je vais te tuer",
            "ich werde dich umbringen",
            "ik ga je vermoorden",
            // A mild act with the person right after it, in more than one word.
            "vou quebrar tua cara na frente de todo mundo",
            "i'll find your family",
            // Chat spellings, rape, a death wished on someone named.
            "gonna kill you",
            "ich vergewaltige dich",
            "the ref deserves to die",
            "o juiz merece morrer",
            "you're so dead",
            // Separable verbs, the particle ending the clause; the present
            // with the person before it or after a hyphen.
            "wir bringen dich um",
            "den schiri bring ich um",
            "ik maak je af",
            "ik steek je neer",
            "te reviento",
            "mato-te",
            // A mild act whose person is followed by no place, time or thing.
            "ich hau dich um",
            "je te casse la gueule",
            "i'll find you",
        ] {
            assert_eq!(assess(line).map(|f| f.kind), Some(Kind::Threat), "{line}");
        }
        // Sports talk: an act without a person, or a person without intent.
        for line in [
            "we're going to kill it tonight",
            "they will destroy them in the second half",
            "that shot could kill a goalkeeper lol",
            "i will find the stream link for you",
            "we will get a new striker in january",
            "vou quebrar teu recorde hoje",
            "i'll shoot you a dm after the game",
            // A game or a quiz.
            "je vais te tuer au quiz, je connais toutes les capitales",
            "ich zerstör dich heut abend im ranked haha",
            "te voy a reventar en el 1v1 jajaja",
            // A particle that is a preposition, a chance finished, a game.
            "ich bring den müll um 8 raus",
            "maak je huiswerk af",
            "De Bruyne met een dodelijke steekpass, Doku maakt hem af",
            "te reviento en el fifa",
            "i'll school you in geoguessr tonight",
            "vou te amassar no x1 depois",
            "ich mach dich fertig beim kicker",
            "ik maak je in bij het klaverjassen",
            "ik maak je in met klaverjassen",
            "te voy a destrozar al truco",
            "je vais t'écraser à la belote",
            "i'll destroy you at scrabble",
            // A death in a story, laughter.
            "he should die in the next episode lol",
            "you will die laughing at this",
            // Errands: the person followed by a place, a time or a thing.
            "i'll find you tomorrow, the lobby is open",
            "vou te visitar amanhã",
            "ich hol dich morgen ab",
            "ich hol dich um 7 ab, steh unten",
            "ik haal je om 8 op bij het station",
            "je passe te chercher à 8h",
            "we will get you a new keyboard",
            "i'll hit you up later",
            "you're dead right about the keeper",
            "not sure we'll get out of this group alive",
        ] {
            assert_eq!(kind(line).map(|k| k.0), None, "{line}");
        }
    }

    #[test]
    fn idioms_and_self_harm_are_found_anywhere() {
        assert_eq!(kind("i know where you live").map(|k| k.0), Some("threat"));
        assert_eq!(kind("just kys already"), Some(("harassment", 3)));
    }

    #[test]
    fn a_quotation_the_line_reports_is_mentioned_not_said() {
        for line in [
            "the guy who yelled 'go back to your country' at the winger got banned",
            "o cara que gritou 'volta pra tua terra' pro ponta foi banido",
            "iemand noemde de keeper eerder 'nutteloze clown', echt niet oké",
            "'ga terug naar je eigen land' naar de vleugelspeler riep, terecht geschorst",
            // Every kind of quotation mark.
            "the guy who yelled \u{201c}go back to your country\u{201d} at the winger got banned",
            "the guy who yelled \u{2018}go back to your country\u{2019} at the winger got banned",
            "the guy who yelled \u{201e}go back to your country\u{201c} at the winger got banned",
            "the guy who yelled \u{201a}go back to your country\u{2018} at the winger got banned",
            "the guy who yelled \u{ab}go back to your country\u{bb} at the winger got banned",
            "the guy who yelled \"go back to your country\" at the winger got banned",
        ] {
            assert_eq!(kind(line), None, "{line}");
        }
        for line in [
            // Quoted, but nothing reports it: the whole line, or a room set on
            // someone.
            "'go back to your country'",
            "\"i will kill you\" and i mean it",
            "everyone write 'go back to your country' under his post",
            "il faut écrire « retourne dans ton pays » sous tous ses posts",
            // The writer's own words, to someone.
            "i said \"i will kill you\" and i mean it",
            "like we said, 'go back to your country'",
            "i called you out, 'go back to your country'",
            // A report far from the quotation, a word of another language.
            "he yelled at the ref all game long and then 'go back to your country'",
            "dit is voor jou: \"ga terug naar je eigen land\"",
            // Reported, but said outside the quotation too.
            "he said 'nice goal', you're worthless anyway",
            // Said to someone, in another sentence, or endorsed at its gravest.
            "your mom said 'go back to your country'",
            "@sarah someone wrote 'go back to your country'",
            "ok he said enough. 'go back to your country'",
            "he said 'i will kill you' and he's right",
        ] {
            assert!(kind(line).is_some(), "{line}");
        }
        // The same words unquoted are the writer's.
        assert!(kind("the guy who yelled go back to your country").is_some());
    }

    #[test]
    fn a_threat_the_line_denies_is_none_and_is_marked_denied() {
        let denied = [
            // Between the opener and the act, in an English opener, before a
            // Spanish or Portuguese one, after a French, Dutch or German act.
            "je vais pas te tuer t'inquiète",
            "je ne vais pas te tuer",
            "ik ga je niet vermoorden",
            "ich werde dich nicht umbringen, keine sorge",
            "i will never hurt you",
            "relax i won't kill you lol",
            "no te voy a matar tranqui",
            "nunca te voy a hacer daño",
            "não vou te matar calma",
            "ik vermoord je niet hoor",
            "je te tue pas",
        ];
        none_found(&denied);
        for text in denied {
            assert!(denials(text).threat, "{text}");
        }
        let threats = [
            // Anything more in the line: a time, a condition, a tag, a
            // denial of something else.
            "ik ga je vandaag niet vermoorden",
            "no te voy a matar si te callas",
            "i won't stop until you're dead",
            "je vais te tuer pas vrai",
            "ik kan niet wachten om je te vermoorden",
            "wenn du nicht aufhörst bring ich dich um",
            "if you dont stop i'll kill you",
            // A denial in a clause of its own.
            "no, te voy a matar",
            "ich werde dich umbringen, nicht?",
            // English `no`, Portuguese `no` (in the), `ne` for `eine`.
            "i will show no mercy and kill you",
            "eu desço no gramado pra esganar ele",
            "ich jag dir ne kugel in den kopf",
        ];
        all_found("threat", &threats);
        // An opener that denies (`i won't`) is read only for a denial that
        // is all the line says: these the grammar reads no threat in, and
        // denies none (the learned model is asked about them).
        let unread = [
            "i won't kill you yet",
            "i won't kill you, i'll make you suffer",
            "who says i won't kill you",
            "i won't not kill you",
            // Taken back, by a word or a picture.
            "i won't kill you jk",
            "i won't kill you 🔪",
            "i won't kill you ;)",
            "im not gonna kill u over a game",
            "no voy a parar hasta matarte",
            "i won't lie, that was a great goal",
        ];
        none_found(&unread);
        for text in threats.into_iter().chain(unread) {
            assert!(!denials(text).threat, "{text}");
        }
    }

    #[test]
    fn an_insult_the_line_denies_is_none() {
        // All the line says: no harassment, and marked for the learned model.
        let alone = [
            "du bist nicht dumm",
            "je bent niet dom hoor",
            "t'es pas nul mec",
            "you're not an idiot",
        ];
        none_found(&alone);
        for text in alone {
            assert!(denials(text).insult, "{text}");
        }
        // Anything more in the line: a limit, another clause, a tag, a
        // second denial, a doubt before it, a picture, a frame that answers
        // or asks, `that`.
        let insults = [
            "du bist nicht nur dumm",
            "you're not a failure, you just fail at everything",
            "t'es pas nul, ou quoi",
            "you're not stupid, just ugly",
            "you're not not stupid",
            "stop acting like you're not an idiot",
            "du bist nicht dumm 🙄",
            "nao seu burro",
            "bist du nicht dumm",
            "you're not that fat bro",
            "nao es tao burro",
        ];
        all_found("harassment", &insults);
        for text in insults {
            assert!(!denials(text).insult, "{text}");
        }
    }

    #[test]
    fn pairs_need_both_parts() {
        assert_eq!(
            kind("we know where the ref lives").map(|k| k.0),
            Some("threat")
        );
        assert_eq!(
            kind("go back to your own country mate").map(|k| k.0),
            Some("harassment")
        );
        assert_eq!(kind("where does the ref live these days?"), None);
        assert_eq!(kind("we go back to the hotel after the game"), None);
    }

    /// Every text found, as `kind`.
    fn all_found(kind_name: &str, texts: &[&str]) {
        for text in texts {
            assert_eq!(kind(text).map(|k| k.0), Some(kind_name), "{text}");
        }
    }

    /// No text found.
    fn none_found(texts: &[&str]) {
        for text in texts {
            assert_eq!(kind(text), None, "{text}");
        }
    }

    #[test]
    fn doxxing_wishes_of_harm_and_veiled_pity_are_threats() {
        all_found(
            "threat",
            &[
                "one more word and i'll post where your mum works",
                "publicaré tu dirección y tu teléfono si no borras eso",
                "vou postar o endereço desse streamer aqui",
                "hope that rider breaks his neck on the descent",
                "j'espère qu'une voiture le renverse pendant l'étape",
                "hoop dat die renner zijn nek breekt in de afdaling",
                "you have kids, right? would be a shame if something happened to them",
                "wäre schade, wenn dir was passiert",
            ],
        );
        none_found(&[
            "share your number in the dm and we'll sort tickets",
            "please don't leak your number in chat",
            "voy a poner tu número en el grupo de la peña",
            "hope nobody crashes on that descent",
            "ich werde deine nummer speichern",
            "what a shame, nothing happened in the second half",
        ]);
    }

    #[test]
    fn knowing_someone_s_routine_and_family_is_a_threat() {
        all_found(
            "threat",
            &[
                "sé a qué hora sales del pabellón, te estaré esperando",
                "sei onde treinas às terças em Gaia",
                "your kids walk to school alone right? would be a shame",
                "ta fille sort de l'école à 16h30, je l'ai vue",
                "den abiball wirst du nicht mehr erleben",
                "ich weiß wann du rausgehst",
                "ik weet hoe laat je traint",
                "schau dich morgen auf dem weg zur arbeit besser öfter um",
                "hat wer lust auf nen besuch mit baseballschläger?",
                "kijk maar goed achterom na de partij",
            ],
        );
        none_found(&[
            "sé a qué hora empieza el partido",
            "no sé cuándo sales, avísame",
            "let me know when you get home",
            "anyone know where you park for Wembley?",
            "is your mum still at the hospital?",
            "do your kids go to school yet?",
            "ta mère est toujours fan du PSG ?",
            "I won't live to see Spurs win the league",
            "das werde ich wohl nicht mehr erleben, Schalke als Meister",
            "fica atento ao sorteio no fim da live",
            "just try it and see what happens",
            "tenho o endereço do site da loja",
            "schau dich lieber um, bevor du kaufst",
            "your mum is a legend, tell her i said hi",
            "ta fille a marqué un super but",
            "ik weet hoe laat de wedstrijd begint",
            "schau dich mal um im shop",
        ]);
    }

    #[test]
    fn spanish_and_portuguese_wishes_arson_and_visits_are_threats() {
        all_found(
            "threat",
            &[
                "ojalá a la tenista le rompan la rodilla antes del torneo",
                "tomara que teu carro bata num poste na volta pra casa",
                "le prendo fuego a tu casa con vos adentro",
                "vou pegar fogo à tua casa",
                "sé en qué barrio vives, el sábado te hacemos una visita",
                "eu sei qual é teu prédio",
                "esse centroavante não termina o ano vivo",
                "a la salida del Monumental te estamos esperando",
                "en el próximo torneo te rompo los dedos uno por uno",
                "já tem um caixão com o teu nome",
            ],
        );
        none_found(&[
            "ojalá gane el Madrid esta noche",
            "tomara que o Flamengo caia pra segunda",
            "o museu recebe uma visita do presidente",
            "el presidente va a hacer una visita al estadio",
            "ojalá se rompa el récord hoy",
            "a la salida del metro hay un bar muy bueno",
        ]);
    }

    #[test]
    fn harm_with_someone_inside_lessons_and_veiled_remarks_are_threats() {
        all_found(
            "threat",
            &[
                "hope your shed burns down with you in it",
                "j'espère que ton bateau coule avec toi dedans",
                "ik hoop dat de bliksem op jouw huis inslaat, met jou erin",
                "we should all wait for him outside and teach him a lesson",
                "se te apanho levas uma tareia",
                "tu sais ce qui arrive aux gens qui parlent trop ?",
                "what time do you finish at the shop? asking for a friend",
                "tu sors du studio à 23h tous les jeudis, on t'attendra",
                "du arbeitest doch bei der Post, oder? ich komm mal vorbei",
                "würd mich nicht wundern wenn dein auto mal abbrennt",
                "¿sabes lo fácil que es cortar los frenos de tu coche?",
                "treinas às terças, era uma pena se escorregasses",
            ],
        );
        none_found(&[
            "the van with you in it looked packed for the festival",
            "the coach will teach them a lesson in tactics tonight",
            "what time do you finish work? fancy a pint after",
            "tu sors à quelle heure ? on sera là pour le concert",
            "tous les jeudis on regarde le live, on sera là ce soir aussi",
            "würd mich nicht wundern wenn dein team heute gewinnt",
            "¿sabes lo fácil que es hacer pan en casa?",
            "era uma pena se o jogo fosse adiado",
            "o Benfica vai levar uma surra hoje",
            "hoy le rompemos la racha al Madrid",
            "tous les samedis on sera là, allez l'OM !",
            "würd mich nicht wundern wenn deine Grafikkarte gleich kaputt geht",
            "seria uma pena se o Benfica escorregasse agora",
            "¿sabes lo fácil que es encontrar entradas para el clásico?",
            "Leclerc touche aux freins super tard dans ce virage",
            "imagine a Burnley squad with you in it lol",
            "guck dir das Gruppenfoto an, mit dir drin",
            "I'll meet you in ranked tonight and teach you a lesson",
            "when do you finish streaming tonight? just asking",
            "o teu pai também é do Porto? bom saber",
            "alguém corta os teus melhores lances pro YouTube?",
            "t'inquiète, je vais m'occuper de ton cas",
            "depois que casou ninguém mais te vê no stream",
            "du wohnst doch in Dortmund? wir sehen uns beim Derby!",
        ]);
    }

    #[test]
    fn visits_with_weapons_and_harm_promised_are_threats() {
        all_found(
            "threat",
            &[
                "people like you tend to go missing, just saying",
                "i'll come to your house with a baseball bat after the game",
                "si el árbitro pita así otra vez voy a tu casa con un bate",
                "se ele errar outra vez passo na tua casa com uma faca",
                "si le MJ tue encore mon perso, je passe chez lui avec une batte",
                "nog één ban en ik kom langs met een knuppel",
                "sube otra vez a ese escenario y te bajo yo a golpes",
                "vous serez moins drôle avec quelques dents en moins",
                "eu vou lá e parto-lhe os dedos",
                "e se alguém cortasse os travões da tua mota?",
                "vou publicar a tua morada aqui no chat",
                "ik hoop dat die keeper met een gebroken nek op het ijs ligt",
                "el próximo partido te dejo con unos dientes menos",
                "wie weet wat er met je bijenkasten gebeurt als je niet kijkt",
                "hope your hives go up in flames with you inside them",
            ],
        );
        none_found(&[
            "people like you make this chat worth watching",
            "i'll come to your house with a cake for your birthday",
            "voy a tu casa con un bizcocho",
            "passe chez moi avec une bouteille de vin",
            "kom langs met een taart",
            "te bajo el volumen un poco que suena fuerte",
            "tu seras toujours le bienvenu ici",
            "vou publicar o vídeo amanhã",
            "ik hoop dat hij snel beter wordt",
            "wie weet wat er morgen gebeurt met de transfermarkt",
            "the old stand went up in flames in 1985",
            "jajaja me parto, te lo juro",
            "o parto lhe correu bem?",
            "mi hija ya sonríe con unos dientes menos",
            "tu vas finir avec deux dents en moins, comme tous les hockeyeurs",
            "ik hoop dat hij geen gebroken nek heeft na die val",
            "ik hoop dat opa niet in het ziekenhuis belandt",
            "wie weet wat er met je gegevens gebeurt bij die app",
            "my dad can come to your house with a hammer and fix that fence",
            "passe chez moi avec une batte, on joue au baseball",
            "mañana paso por tu casa con un palo de selfie",
            "amanhã vou aí com um taco de bilhar",
            "ik kom langs met een hamer om die plank op te hangen",
            "we need more people like you, please don't disappear again",
            "nos veremos a la salida del concierto",
            "il pleut, je t'attendrai dehors",
            "não precisa cortar os freios, é só regular o cabo",
        ]);
    }

    #[test]
    fn violence_deserved_and_threat_idioms_are_threats() {
        all_found(
            "threat",
            &[
                "that ref deserves a beating",
                "esse árbitro merece levar uma surra",
                "die scheids verdient een kogel",
                "die scheids heeft een kogel verdiend",
                "der schiri hat eine tracht prügel verdient",
                "ce mec mérite une bonne raclée",
                "vou acabar com a tua raça",
                "ich polier dir die fresse",
                "ik trek je kop eraf",
                "você não sabe com quem tá mexendo",
                "tu sais pas à qui tu parles, toi",
            ],
        );
        // A free kick is no shot at anyone, a thrashing on the pitch no beating.
        none_found(&[
            "el equipo merece un tiro libre",
            "o time merece um tiro livre aqui",
            "precisa apanhar o comboio das 8",
            "we deserve a penalty here",
            "the egg whites need a good beating",
            "let me know when you're finished",
            "PSV kreeg een pak slaag, dik verdiend",
            "Nadal mérite une balle de break",
            "minha filha merece uma bala",
            "ik weet wie je bent, jij was die van de quiz",
        ]);
    }

    #[test]
    fn likening_to_animals_and_sending_to_a_care_home_is_harassment() {
        all_found(
            "harassment",
            &[
                "parece um porco suado jogando dardos",
                "das ist kein sportler mehr, das ist ein walross im trikot",
                "mets-toi au régime, espèce de baleine",
                "opa moet maar naar het bejaardenhuis",
                "die oma im chat schon wieder, ab ins heim mit dir",
            ],
        );
        // Likening oneself or one's dog, and visiting a care home, are no abuse.
        none_found(&[
            "this pitch looks like a cow field",
            "he runs like a gazelle down the wing",
            "el cerdo a la brasa estaba buenísimo",
            "volta pro lar, doce lar",
            "ik ga morgen naar het bejaardenhuis om oma te bezoeken",
            "my dog eats like a pig",
            "ich schwitze wie ein schwein",
            "ik zweet als een varken",
            "estoy sudando como un cerdo",
            "off to the care home to visit nan",
            "ma grand-mère va en ehpad",
            "der hund musste zurück ins heim",
            "malin comme un singe, celui-là",
        ]);
    }

    #[test]
    fn asking_to_undress_or_for_sex_is_harassment() {
        all_found(
            "harassment",
            &[
                "streamer show us ur tits pls",
                "take ur top off for 100 subs",
                "mándame fotos de tus pies guapa",
                "abre as pernas pro chat",
                "zieh mal dein oberteil aus",
                "écarte les jambes pour le chat",
                "stuur me nudes schat",
                "how much for a private show babe",
                "tits out for the lads tonight boys",
                "c'est combien pour une nuit avec toi, chérie ?",
                "quanto cobras por uma noite comigo, linda?",
            ],
        );
        // Showing a replay, taking a corner, opening a door or sending a link.
        none_found(&[
            "show us the replay of that goal",
            "take the corner short next time",
            "abre la puerta que llego tarde",
            "zieh dich warm an, es ist kalt im stadion",
            "envoie moi le lien du stream",
            "stuur me de link van de stream",
            "how much for a ticket to the final",
            "wat kost een nacht in het hotel bij het stadion",
            "he showed his body feint and scored",
            "strip the bed for us before you leave",
        ]);
    }

    #[test]
    fn insults_need_a_second_person_frame() {
        assert_eq!(kind("you are worthless").map(|k| k.0), Some("harassment"));
        assert_eq!(kind("what a worthless pass").map(|k| k.0), None);
        assert_eq!(kind("you are the best, thanks"), None);
        assert_eq!(kind("you have nothing to worry about"), None);
        // Worth nothing, at a clause's end.
        assert_eq!(kind("you are nothing").map(|k| k.0), Some("harassment"));
        assert_eq!(
            kind("je bent niks, echt niks").map(|k| k.0),
            Some("harassment")
        );
        assert_eq!(kind("you're worried about nothing"), None);
        assert_eq!(kind("you are nothing like him, much better"), None);
        // Never a frame of one language with an insult of another.
        assert_eq!(kind("la cote du nul était à 3,40"), None);
    }

    #[test]
    fn a_vocative_insults_whom_it_addresses() {
        all_found(
            "harassment",
            &[
                // A clause of its own, first, last or alone.
                "versager, deine mama zahlt immer noch dein internet",
                "nietsnut, je krijgt nog geen tuinkers aan het groeien",
                "bon à rien, t'es même pas capable de faire pousser du persil",
                "ok, loser",
                "Idiot!!",
                // The end of a clause, not after an article or possessive.
                "nice try idiot",
                "you missed again muppet 🤡",
                // After a word of address, or one word after it.
                "du nichtsnutz kriegst nicht mal kresse zum wachsen",
                "shut up you brainless sheep, you buy every coin",
                "halt's maul du penner",
            ],
        );
        none_found(&[
            // Named, not addressed: after an article, a possessive, `I`.
            "what a clown",
            "he was always the class clown",
            "ich idiot hab das ticket vergessen",
            "i felt like such an idiot",
            "dressed up as a clown for the kids",
            // Words of another language, or an adjective after its noun.
            "the interest rate went up again",
            "estratégia covarde, professor",
            "la cote du nul était à 3,40",
        ]);
    }

    #[test]
    fn the_reviews_lines_read_as_meant() {
        all_found(
            "threat",
            &[
                "i'll stab you after chess club",
                "ik ga je vermoorden na het klaverjassen",
                "i'll hit you in the face",
                "vou te pegar na saída",
                "i'll skin you alive",
                "ill kill you",
                "gonna kill you",
            ],
        );
        none_found(&[
            "i don't think the ref deserves to die",
            "ninguém acha que o juiz merece morrer",
            "¿cuál es tu payaso favorito?",
            "gonna go with my gut, you guys decide",
            "this hot sauce is gonna kill you",
            "mentally ill man stabbed his neighbour",
            "vou-te visitar no domingo",
            "tu vas mourir de rire",
            "die Hitze bringt dich um",
            "die Kosten legen wir einfach um",
            "c'est naze",
            "winner and loser",
        ]);
    }

    #[test]
    fn clauses_end_at_punctuation_and_emoji() {
        let (words, breaks) = tokens_and_breaks("ok, loser 🤡 nice try… idiot");
        assert_eq!(words, ["ok", "loser", "nice", "try", "idiot"]);
        assert_eq!(breaks, [true, true, false, true, false]);
        assert_eq!(tokens_and_breaks("..."), (vec![], vec![]));
    }

    /// Asserts that each line is read as `expected` (a finding's kind, or none).
    fn read_as(expected: Option<&str>, lines: &[&str]) {
        for line in lines {
            assert_eq!(kind(line).map(|k| k.0), expected, "{line}");
        }
    }

    #[test]
    fn a_wish_of_death_after_a_subject_is_said_of_oneself() {
        read_as(
            None,
            &[
                "je suis crevé, je vais au lit",
                "le pneu est crevé",
                "mon pneu a crevé hier",
                "t'es crevé après ce match",
                "die clip waar hij de lava in springt, ik sterf hier 😭",
                // The idiom: stealing the show.
                "vas-y crève l'écran mon gars",
                "elle crève l'écran dans ce film",
                // Dutch `ga` is an order and "I go": `ik ga dood`, I'm dying.
                "ik ga dood, wat een grap van die commentator",
                "ik ga dood als we weer op penalty's verliezen",
                "ich geh sterben, so peinlich war der elfmeter",
            ],
        );
        read_as(
            Some("harassment"),
            &[
                "crève",
                "crève sale chien",
                "@jan sterf maar",
                "stirb endlich",
                "bah crève, personne t'aime",
                "yo kys",
                "k morra",
                "ga dood, niemand wil je hier",
                "jij, ga toch dood",
                "geh sterben du opfer",
                // A subject before an order that names its person.
                "ik hoop dat je dood gaat",
                "ik hang je op",
                "ich kill dich",
                "on va te suicider",
            ],
        );
    }

    #[test]
    fn the_acts_other_languages_list_are_read_in_each() {
        // Acts that three or more languages listed and one lacked.
        read_as(
            Some("threat"),
            &[
                "ich werde dich lynchen lassen",
                "wir werden dich enthaupten",
                "ik ga je overrijden op de parkeerplaats",
                "je vais te taillader le visage",
                "vou esmagar tua cabeça",
                "te voy a decapitar",
            ],
        );
        read_as(
            None,
            &[
                "die Hinrichtung im Film war hart",
                "vamos esmagar o recorde de público hoje",
                "ik ga overrijp fruit kopen",
            ],
        );
    }

    #[test]
    fn a_weapon_brought_along_and_where_a_beating_ends_are_threats() {
        read_as(
            Some("threat"),
            &[
                "that kid lives 10 min from me. might pop by with a knife",
                "llevo la navaja en la mochila por si el de enfrente abre la boca",
                "levo uma arma pro jogo de domingo e o lateral vai sentir",
                "ich bring die knarre zum fantreffen",
                "you'll end up in a ditch if you keep snitching",
                "du landest im krankenhaus, das schwör ich dir",
                "tu vai sair de maca daqui, pode escrever",
                "ik maak je koud als je nog één keer mijn stream raidt",
                "14 elm crescent right? be a pity if it caught fire one night",
            ],
        );
        read_as(
            None,
            &[
                "sharpen the knife before you carve the roast",
                "i'll bring the bread knife for the cake",
                "i got a new knife skin in the case",
                "ik neem een mes voor de taart",
                "ik neem een pistool, jij de sniper",
                "ich komm mit dem messer nicht klar",
                "traigo la pistola de agua para la fiesta",
                "j'ai un couteau suisse dans le sac",
                "vou levar a faca pro churrasco",
                "PSV kreeg een pak slaag, dik verdiend",
                "vou levar o bolo pra festa",
                "se comeres tanto doce vais ficar sem dentes",
                "o neymar caiu feio, vai sair de maca",
                "drink that much and you'll end up in hospital",
                "meine oma verbringt die woche im krankenhaus",
                "hoe lang lig je nog in het ziekenhuis? beterschap",
                "would be a shame if he got hurt before the final",
                "vim de longe só pra te encontrar ❤️",
                "ik maak je koffie koud als je zo lang wegblijft",
                "he'll end up in the hall of fame",
            ],
        );
    }

    #[test]
    fn everyone_laughing_at_someone_and_a_world_without_them_are_harassment() {
        read_as(
            Some("harassment"),
            &[
                "jeder in deiner klasse lacht über dich",
                "tout ton lycée se moque de toi",
                "wär für alle besser wenn es dich gar nicht gäbe",
                "everything would be better if you didn't exist",
            ],
        );
        read_as(None, &["everyone laughed at the ref's call"]);
    }

    #[test]
    fn laughter_holds_a_threat_and_leaves_harassment() {
        // Blocked as written, held with laughter: banter more often than not.
        assert_eq!(
            kind("si me quitas el lote te rajo la cara"),
            Some(("threat", 3))
        );
        assert_eq!(
            kind("si me quitas el lote te rajo la cara jajaja"),
            Some(("threat", 2))
        );
        assert_eq!(
            kind("te voy a matar en la próxima partida jaja gg"),
            Some(("threat", 2))
        );
        assert_eq!(kind("eu te mato 😂"), Some(("threat", 2)));
        // `kkk` in capitals or alone may be the Klan: no laughter.
        assert_eq!(kind("KKK we will lynch you"), Some(("threat", 3)));
        // Harassment and self-harm stand, beside a threat too.
        assert_eq!(kind("just kys already lol"), Some(("harassment", 3)));
        assert_eq!(
            kind("matate jaja gg te voy a matar"),
            Some(("harassment", 3))
        );
        assert_eq!(
            kind("te voy a matar jajaja suicidate"),
            Some(("harassment", 3))
        );
    }

    #[test]
    fn an_address_in_the_net_a_lone_meeting_and_numbered_days_are_threats() {
        for line in [
            "got ur IP, enjoy the visit at 3am",
            "ik heb je ip, veel plezier straks",
            "j'ai ton IP, profite bien",
            "see you at gate 4 after. come alone",
            "te espero en la puerta 3, ven solo",
            "zie je bij de uitgang, kom alleen",
            "I know which office you work in. count the days",
            "sei qual é teu escritório, conta os dias",
        ] {
            assert_eq!(kind(line).map(|k| k.0), Some("threat"), "{line}");
        }
        none_found(&[
            "wait till you see the replay",
            "come alone or bring friends, all welcome at the watch party",
            "did you come alone?",
            "i'll come alone, my wife is busy",
            "no hace falta traer a nadie, ven solo si quieres",
            "ik kom alleen",
            "i have your ipad charger in my bag",
            "got your ip whitelisted, try connecting again",
            "ich hab deine ip freigegeben",
            "heb je ip?",
            "count the days until the final with us",
            "two weeks till the final, i count the days",
            "vivement les vacances, je compte les jours !",
            "a torcida conta os dias",
            "attends que tu sois prêt",
            "wait till you get home and see the package",
            "luego te rajo todo lo que pasó en la cena",
        ]);
    }

    #[test]
    fn vanishing_unnoticed_what_is_worn_under_the_desk_and_feet_are_harassment() {
        for line in [
            "si desaparecieras nadie se daría cuenta",
            "if you disappeared nobody would notice tbh",
            "si tu disparaissais personne le remarquerait",
            "se você sumisse ninguém ia perceber, sério",
            "hola preciosa, ¿qué llevas puesto debajo de la mesa?",
            "salut ma belle, tu portes quoi sous le bureau ?",
            "hey schatje wat draag je onder je bureau?",
            "show feet or I unfollow",
        ] {
            assert_eq!(kind(line).map(|k| k.0), Some("harassment"), "{line}");
        }
        none_found(&[
            "if you left early nobody would blame you, the traffic is awful",
            "if you left early nobody would care, it's a casual game",
            "wenn du weg wärst, niemand würde die Pizza bestellen",
            "what are you wearing to the final tonight?",
            "¿qué llevas debajo del brazo?",
            "was hast du unterm schreibtisch für einen rechner?",
            "t'as quoi sous le bureau comme pc ?",
            "show your tickets at gate 4",
            "the replay didn't show feet clearly",
        ]);
    }

    #[test]
    fn idioms_of_beating_and_burning_are_threats() {
        for line in [
            "I'm gonna rearrange your face, kid",
            "you'll be eating through a straw by christmas, promise",
            "Ich schlag dich windelweich",
            "ich zünd dir die Bude an während du pennst",
            "Oida, i hau di zam wennst so weiterredest",
            "ik trap je kop in elkaar",
            "ik geef je een lel dat je een week scheel kijkt",
            "te bajo los dientes de una trompada, gil",
            "ce commentateur mérite une balle entre les deux yeux",
            "je vais te faire manger tes dents",
            "quero ver tu falar isso na minha frente, te deixo sem andar",
            "continua falando e tua mãe vai te buscar no IML",
        ] {
            assert_eq!(kind(line).map(|k| k.0), Some("threat"), "{line}");
        }
        none_found(&[
            "the new kit will rearrange the whole league table",
            "ich zünd die Kerzen an, gleich gibt's Kuchen",
            "ik geef je een klapzoen voor die goal",
            "je vais te faire manger des crêpes dimanche",
            "a gente se vê na saída, te deixo em casa depois",
        ]);
    }

    #[test]
    fn a_cut_or_a_stab_ending_a_clause_is_a_threat() {
        for line in [
            "i'll cut you",
            "say that again, i'll cut you.",
            "ik steek je",
            "je vais te découper",
            "te voy a cortar",
            "ich schlitz dich auf",
        ] {
            assert_eq!(kind(line).map(|k| k.0), Some("threat"), "{line}");
        }
        none_found(&[
            "i'll cut you a deal on the tickets",
            "i'll cut you some slack this time",
            "ik steek je aan met mijn verkoudheid",
            "te voy a cortar el pelo el sábado",
            "vou cortar o cabelo amanhã",
        ]);
    }

    #[test]
    fn spanish_and_portuguese_threaten_in_the_present() {
        for line in [
            "sigue así y te arranco la lengua",
            "como sigas mintiendo te rajo la cara con una botella",
            "tengo una pistola en el cajón y tu dirección en el móvil",
            "un día de estos subo con una navaja",
            "vamos atrás de você e da tua família",
            "se perder de novo eu te arranco os olhos",
            "se me enganar de novo lhe furo os pneus",
            "um dia desses apareço aí com uma arma",
            // A body part with the act, the person before it.
            "le voy a partir los dientes a la conductora",
            "tomara que esse lutador nunca mais acorde",
            "vai virar presunto antes do fim do mês",
        ] {
            assert_eq!(kind(line).map(|k| k.0), Some("threat"), "{line}");
        }
        none_found(&[
            "vamos a por ellos, que hoy se gana",
            "voy a por ti al colegio a las cinco",
            "vamos atrás do prejuízo no segundo tempo",
            "vamos atrás do juiz de paz pro casamento",
            "voy con un cuchillo de sierra para el pan",
            "ahora bajo con un cuchillo para la tarta",
            "no te rajes ahora que vamos ganando",
            "le prendo fuego al carbón y en diez minutos a la parrilla",
            "al pollo le clavo un cuchillo para ver si está hecho",
            "tengo un cuchillo jamonero, lo llevo a tu casa",
            "nos vamos a romper la cabeza con este examen",
            "hay que aplastar los dientes de ajo",
            "me voy a romper los dientes con este turrón",
            "eu queimei a boca com o café",
            "¿por qué no vuelves a casa por navidad?",
            "no despiertes más al perro",
            "o time não volta pra casa sem a taça",
            "você não volta pra casa pro almoço?",
            "conozco tu rutina de pierna, es buenísima",
            "sei qual operadora pega melhor aqui",
            "sé dónde queda el edificio de la facultad",
        ]);
    }

    #[test]
    fn nobody_standing_someone_is_harassment() {
        assert_eq!(kind("nadie te aguanta"), Some(("harassment", 2)));
        assert_eq!(
            kind("ninguém aguenta vc, sai da live"),
            Some(("harassment", 2))
        );
        // The heat, and a player nobody can stop, are none.
        none_found(&[
            "el calor, quién lo aguanta",
            "este calor nadie lo aguanta",
            "Messi en racha, nadie lo aguanta",
            "o Vini tá voando, ninguém aguenta ele",
        ]);
    }

    #[test]
    fn a_dare_to_meet_in_person_and_a_coffin_are_threats() {
        all_found(
            "threat",
            &[
                "let's see how tough you are in person",
                "mal sehen wie mutig du bist wenn wir uns gegenüberstehen",
                "tu feras moins le malin en face",
                "quero ver se tu é tão valente pessoalmente",
                "eens kijken hoe stoer je bent in het echt",
                "vas a acabar en un ataúd",
                "tu vas finir six pieds sous terre",
            ],
        );
        // Two reviews' lines: injuries, games, weather, security, tunnels,
        // friendly frankness, siblings, critics and safety advice.
        none_found(&[
            "let's see how tough he is face to face with Alcaraz",
            "I love how brave you are irl, respect",
            "let's see if he can walk off on his own feet, looked bad",
            "a ver si sale vivo de esta partida",
            "on verra s'il sort vivant du donjon",
            "mal sehen ob er lebend aus dem Dungeon kommt",
            "even kijken of de taart heelhuids uit de vorm komt",
            "see if you get the cake home in one piece",
            "con esta lluvia no vas a poder salir a la calle",
            "you won't be safe at home during the hurricane, evacuate now",
            "ohne VPN bist du nirgends sicher im Netz",
            "in this economy you're not safe anywhere lol",
            "si sigues cavando recto vas a acabar bajo tierra",
            "ya me lo dices en persona cuando nos veamos",
            "sag es mir ins Gesicht, ich mag ehrliches Feedback",
            "zeg het maar in mijn gezicht, ik kan wel tegen kritiek",
            "my grandma would say that to my face every sunday lol",
            "tu hermano solo juega al fifa",
            "leave your little brother alone and do your homework",
            "aprende a te calar de vez em quando",
            "die Kritiker endgültig zum Schweigen gebracht",
            "he shouldn't leave Haaland alone in the box",
            "die kan beter niet alleen naar huis, hij heeft te veel gedronken",
            "als je zo rijdt eindig je in de sloot",
            "essa bola vai parar no mar",
        ]);
    }

    #[test]
    fn a_french_vocative_sent_off_with_va_is_name_calling() {
        all_found(
            "harassment",
            &["@Sami_ltd bouffon va 🤡🤡", "pauvre tache va"],
        );
        none_found(&[
            "ça va",
            "allez va, on y croit",
            "le clown va",
            "perdant va, c'est pas grave",
        ]);
    }

    #[test]
    fn a_put_down_of_someone_s_word_is_harassment_unless_asked_or_quoted() {
        all_found(
            "harassment",
            &[
                "nobody asked you @cyclo_dan. literally nobody",
                "@kicker_kalle niemand hat dich gefragt, geh weiter",
                "personne t'a demandé ton avis @mimi_sweet 🙄",
                "@Dani_BCN nadie te invitó. sobras.",
                "who asked you lol",
            ],
        );
        none_found(&[
            // `who` as a relative; advice about a scam; a friend's question.
            "the guy who asked you earlier about tickets is back",
            "c'est lui qui t'a demandé, pas moi",
            "nobody asked u for ur seed phrase, never share it",
            "¿nadie te invitó al grupo? yo te invito",
            "she said \"nobody asked you\" lmao that's my sister for you",
            "nobody asked you to be this good, messi",
        ]);
    }

    #[test]
    fn revenge_promised_protection_advised_and_harm_to_come_are_threats() {
        all_found(
            "threat",
            &[
                "if we go down tonight you'll be the first to pay for it",
                "si on descend, c'est toi le premier à le payer",
                "als ze weer verliezen ben jij de eerste die het voelt",
                "como baje el equipo, tú eres el primero que lo paga",
                "you'd better bring a bodyguard to the next home game",
                "nimm lieber Personenschutz mit, wenn du nach Bremen kommst",
                "yo que tú no volvería sola del estadio esta noche",
                "à ta place je ne rentrerais pas seul après le match",
                "one more bad call and I'll put you in a wheelchair, ref",
                "ik stuur je naar de eerste hulp als je dat nog eens doet",
                "they've got your street, see you saturday",
                "je balance ton adresse ce soir, tu verras",
                "deine Kniescheiben sind Geschichte, warte nur",
                "a gente te tira do estádio na porrada",
            ],
        );
        none_found(&[
            "you'll be the first to know when tickets drop",
            "tu seras le premier à voir la vidéo demain",
            "the president travels with bodyguards everywhere",
            "if I were you I'd buy the dip",
            "he ended up in hospital after that tackle, get well soon",
            "I'll post the address of the fan meetup later",
            "my knees are history after that 10k lol",
            "you're the first to get it right, well done",
            "quem é o primeiro a pagar?",
            "du bist der erste dran",
            "tu es le premier à payer ta cotisation",
            "hij wordt de eerste die het merkt",
            "if i were you i'd get some sleep tonight",
            "i wouldn't be able to sleep tonight",
            "yo que tú me mudaría a Valencia",
            "yo que tú no saldría de casa con esta lluvia",
            "an deiner Stelle würde ich nicht allein entscheiden",
            "à ta place je sortirais plus souvent",
            "als ik jou was zou ik verhuizen",
            "i'll send you some flowers to the hospital",
            "te mando flores al hospital",
            "te dejo en el hospital a las 9",
            "vou te deixar no hospital amanhã",
            "je t'envoie des fleurs à l'hôpital",
            "ik stuur je de route naar het ziekenhuis",
            "i'll put your address on the envelope",
            "ahora subo por tu calle y te recojo",
            "ya tenemos tu matrícula, el curso empieza el lunes",
            "ik zet je adres op de envelop",
            "el autobús del equipo lleva escolta policial",
            "o ônibus do time precisa de escolta",
            "Mbappé engage un garde du corps",
        ]);
    }

    #[test]
    fn group_blame_a_sad_life_a_body_and_a_pile_on_are_harassment() {
        all_found(
            "harassment",
            &[
                "so typical of your people, always complaining",
                "typique de ta religion de pleurnicher comme ça",
                "typisch für deine Herkunft, immer das Opfer",
                "what a pathetic little life you must lead",
                "quelle vie pathétique, tu passes tes nuits ici",
                "qué vida tan patética la de este tipo",
                "wat een triest leventje heb jij",
                "with that gut you're giving us fitness advice?",
                "met die pens geef jij tips over voeding?",
                "let's all post a clown every time he types",
                "bora galera mandar 🤡 toda vez que ela escrever",
                "he cries like a little girl at every tackle",
                "jankt als een meisje bij elk fluitsignaal",
                "are you special needs? it's a candle chart",
                "Leute wie du haben hier nichts zu suchen",
            ],
        );
        none_found(&[
            "typical of your club to score in the 90th, fair play",
            "what a life, back to back titles",
            "with that gut feeling I sold at the top",
            "every time he types in caps the whole chat goes wild",
            "she plays like a champion",
            "that's so typical of your kind heart",
            "is that dish typical of your culture?",
            "¿eso es típico de tu país?",
            "haha typisch deine Art",
            "typisch jouw soort humor",
            "RIP, what a sad life he had",
            "qué vida tan triste, otro lunes",
            "que vida triste a minha",
            "quelle petite vie tranquille",
            "wat een leventje!",
            "zo'n leventje wil ik ook",
            "with that body you should be giving fitness tips",
            "Probleme mit dem Bauch, habt ihr Tipps?",
            "Problème avec tes dents ? des conseils ?",
            "everyone goes quiet every time he talks",
            "iedereen juicht elke keer dat hij scoort",
            "she plays like a girl and bosses the midfield",
            "i was crying like a little girl at the end of that film",
            "are you a special ed teacher?",
            "du bist kein Mann der großen Worte",
            "die Schiris, wie du sagst, sind schuld",
            "jullie horen hier niet te parkeren",
        ]);
    }
}
