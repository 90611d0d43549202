//! Scams without the usual keywords: where a line's links go (shorteners,
//! throwaway top-level domains, look-alike and punycode domains, brands in
//! someone else's domain) and what it lures to (a prize, something free,
//! followers or views for sale, money made, doubled or paid back, a move off
//! the platform, a deadline, a login, a request for passwords or bank details, a
//! fee or a payment app, someone posing as support), in the launch languages.
//! No single word decides: each kind of lure counts once, and links count by
//! how they look.

/// Link shorteners: where the link goes is hidden.
const SHORTENERS: [&str; 16] = [
    "bit.ly",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "is.gd",
    "cutt.ly",
    "rebrand.ly",
    "ow.ly",
    "shorturl.at",
    "rb.gy",
    "t.ly",
    "tiny.cc",
    "buff.ly",
    "s.id",
    "v.gd",
    "shorte.st",
];

/// Top-level domains that cost next to nothing and that throwaway scam sites use
/// most (the abuse reports of registries and blocklists name the same few).
const THROWAWAY_TLDS: [&str; 20] = [
    "xyz", "top", "click", "live", "shop", "online", "site", "icu", "buzz", "monster", "rest",
    "tk", "ml", "cf", "ga", "gq", "work", "link", "vip", "win",
];

/// Brands scams imitate in domains, with their own registrable names.
const BRANDS: [&str; 24] = [
    "paypal",
    "steamcommunity",
    "steampowered",
    "twitch",
    "discord",
    "binance",
    "coinbase",
    "roblox",
    "netflix",
    "amazon",
    "apple",
    "microsoft",
    "google",
    "instagram",
    "tiktok",
    "youtube",
    "nubank",
    "rabobank",
    "revolut",
    "dazn",
    "laliga",
    "bundesliga",
    "epicgames",
    "metamask",
];

/// Brands scams imitate whose names are read whole only, never as near
/// spellings: they are a letter or two from everyday words and other names
/// (`postal`, `whatsup`, `marktplatz`). A parcel carrier's delivery notice is
/// the commonest lure by text; the rest are banks, messengers, marketplaces
/// and ticket sellers of the launch languages' countries. Only names that no
/// official domain of another carries: not `dhl` (`dhlparcel.nl`), `santander`
/// (`bancosantander.es`), `laposte` (`lapostemobile.fr`) or `facebook`
/// (`facebookmail.com`).
const NAMED_BRANDS: [&str; 8] = [
    "postnl",
    "abnamro",
    "whatsapp",
    "mercadolibre",
    "mercadolivre",
    "marktplaats",
    "wallapop",
    "ticketmaster",
];

/// Brands' own domains (and their subdomains): never an imitation.
const OFFICIAL_DOMAINS: [&str; 28] = [
    "youtu.be",
    "youtube.com",
    "discord.com",
    "discord.gg",
    "discordapp.com",
    "discordapp.net",
    "google.com",
    "googleusercontent.com",
    "googleapis.com",
    "amazon.com",
    "amazonaws.com",
    "instagr.am",
    "instagram.com",
    "twitch.tv",
    "steampowered.com",
    "steamcommunity.com",
    "paypal.com",
    "netflix.com",
    "apple.com",
    "microsoft.com",
    "tiktok.com",
    "roblox.com",
    "binance.com",
    "coinbase.com",
    "dazn.com",
    "laliga.com",
    "bundesliga.com",
    "epicgames.com",
];

/// Kinds of lure, by the signal they give, each a list of words or phrases (lower
/// case); a one-word entry matches a whole word, a longer one a phrase.
const LURES: [(&str, &[&str]); 11] = [
    (
        "lure.offplatform",
        &[
            "dm",
            "pv",
            "snap",
            "snapchat",
            "telegram",
            "whatsapp",
            "wsp",
            "zap",
            "insta",
            "bio",
            "profile",
            "perfil",
            "profiel",
            "add me",
            "agrégame",
            "agregame",
            "voeg me toe",
            "ajoute moi",
            "ajoute-moi",
            "schreib mir",
            "escríbeme",
            "chama no",
            "message me",
            "text me",
            "link in",
            "link na",
            "lien dans",
            "link im",
            "link en",
            "lien en",
            "profil",
            "pm me",
            "pm for",
            "pm voor",
            "stuur pm",
            "stuur me",
            "in pm",
            "en mp",
            "par mp",
            "em mp",
            "por md",
            "manda md",
            "al md",
            "no pv",
            "inbox",
        ],
    ),
    (
        "lure.prize",
        &[
            "congrats",
            "congratulations",
            "selected",
            "picked",
            "winner",
            "prize",
            "glückwunsch",
            "ausgewählt",
            "gewonnen",
            "preis",
            "gewinner",
            "verlost",
            "felicidades",
            "seleccionada",
            "seleccionado",
            "ganador",
            "premio",
            "sorteo",
            "parabéns",
            "selecionado",
            "selecionada",
            "prêmio",
            "félicitations",
            "tiré au sort",
            "gagnant",
            "prix",
            "gefeliciteerd",
            "winnaar",
            "prijs",
            "claim",
            "reclama",
            "reclámala",
            "réclame",
            "resgate",
            "hol dir",
        ],
    ),
    (
        "lure.free",
        &[
            "gratis",
            "geschenkt",
            "kostenlos",
            "sin costo",
            "de graça",
            "grátis",
            "offert",
            "offerts",
            "offerte",
            "cadeau",
            "regalo",
            "brinde",
            "te geef",
            "giveaway",
            "gift",
            "gifts",
            "for everyone",
            "für alle",
            "para todos",
            "pour tous",
            "voor iedereen",
        ],
    ),
    (
        "lure.audience",
        &[
            "followers",
            "follower",
            "seguidores",
            "volgers",
            "abonnés",
            "abonnes",
            "viewer",
            "viewers",
            "views",
            "zuschauer",
            "likes",
            "subscribers",
            "inscritos",
            "abonnenten",
            "abos",
            "subs",
            "vues",
            "visualizações",
            "visualizaciones",
            "weergaven",
            "aufrufe",
        ],
    ),
    (
        "lure.money",
        &[
            "doppelte",
            "doble",
            "dobro",
            "dubbel",
            "le double",
            "double your",
            "double it",
            "get double",
            "receive double",
            "verdoppelt",
            "verdoppeln",
            "verdubbeld",
            "verdubbelen",
            "duplicar",
            "dupliquer",
            "x2",
            "x5",
            "x10",
            "de volta",
            "te devolvemos",
            "get back",
            "per day",
            "pro tag",
            "por día",
            "por dia",
            "par jour",
            "per dag",
            "/jour",
            "/day",
            "diarios",
            "mentor",
            "signale",
            "signalgruppe",
            "señales",
            "sinais",
            "método",
            "méthode",
            "methode",
            "bijverdienen",
            "bônus",
            "bono",
            "refund",
            "rembourse",
            "reembolso",
            "reembolsamos",
            "rückerstattung",
            "terugbetaling",
        ],
    ),
    (
        "lure.crypto",
        &["btc", "eth", "usdt", "wallet", "carteira", "crypto"],
    ),
    (
        "lure.urgency",
        &[
            "today only",
            "only today",
            "nur heute",
            "solo hoy",
            "só hoje",
            "alleen vandaag",
            "vandaag nog",
            "avant minuit",
            "before midnight",
            "antes de las",
            "innerhalb 24h",
            "within 24h",
            "sous 24h",
            "within the hour",
            "first 100",
            "ersten 100",
            "geht nur heute",
            "valid until",
        ],
    ),
    (
        "lure.login",
        &[
            "log in",
            "login",
            "einloggen",
            "iniciar sesión",
            "inicia sesión",
            "connecte",
            "logar",
            "bevestig",
            "bestätigen",
            "vérifie",
            "atualize",
            "registrieren",
            "cadastra",
            "pas verloopt",
            "verify",
            "verificar",
            "verifica",
            "verifizieren",
            "verifieer",
            "verifiëren",
        ],
    ),
    (
        "lure.secrets",
        &[
            "your password",
            "ur password",
            "email and password",
            "username and password",
            "login and password",
            "e-mail und passwort",
            "email und passwort",
            "correo y contraseña",
            "usuario y contraseña",
            "email e senha",
            "e-mail e senha",
            "login e senha",
            "email et mot de passe",
            "e-mail en wachtwoord",
            "email en wachtwoord",
            "your pin",
            "your card number",
            "your cvv",
            "your seed phrase",
            "your recovery phrase",
            "your 2fa",
            "your verification code",
            "the code we sent",
            "your iban",
            "your bank details",
            "dein passwort",
            "deine pin",
            "deine kartennummer",
            "deine iban",
            "deiner iban",
            "deine bankdaten",
            "deine zugangsdaten",
            "den bestätigungscode",
            "tu contraseña",
            "tu clave",
            "tu pin",
            "tu número de tarjeta",
            "tu iban",
            "tus datos bancarios",
            "el código que te",
            "sua senha",
            "tua senha",
            "seu pin",
            "o número do seu cartão",
            "seu iban",
            "teu iban",
            "seus dados bancários",
            "teus dados bancários",
            "o código que",
            "ton mot de passe",
            "votre mot de passe",
            "ton iban",
            "votre iban",
            "tes coordonnées bancaires",
            "vos coordonnées bancaires",
            "tes identifiants",
            "vos identifiants",
            "je wachtwoord",
            "jouw wachtwoord",
            "je pincode",
            "je iban",
            "jouw iban",
            "je bankgegevens",
            "je inloggegevens",
        ],
    ),
    (
        "lure.payment",
        &[
            "processing fee",
            "handling fee",
            "small fee",
            "release fee",
            "pay shipping",
            "pay for shipping",
            "frais de dossier",
            "petits frais",
            "bearbeitungsgebühr",
            "taxa de liberação",
            "taxa de liberacao",
            "administratiekosten",
            "mb way",
            "mbway",
            "bizum",
            "venmo",
            "cashapp",
            "cash app",
            "paypal.me",
            "comprovativo",
            "comprovante",
        ],
    ),
    (
        "lure.staff",
        &[
            "mod team",
            "admin team",
            "support team",
            "staff team",
            "admin here",
            "mod here",
            "staff here",
            "tech support",
            "customer support",
            "official support",
            "help desk",
            "helpdesk",
            "equipo de soporte",
            "suporte oficial",
            "équipe de modération",
            "support officiel",
            "supportteam",
            "moderatorenteam",
        ],
    ),
];

/// Words that a handle posing as support holds (`@BBC_Stream_Support_Desk`), not
/// followed by more letters (`@LFC_Supporters` is fans).
const STAFF_HANDLE_WORDS: [&str; 4] = ["support", "helpdesk", "customerservice", "customercare"];

/// Words that say what follows is never done: a warning, not a lure ("the mods
/// will never ask for your password").
const NEVER: [&str; 9] = [
    "never", "nunca", "jamás", "jamais", "nie", "niemals", "nooit", "jamas", "nimmer",
];

/// Words that name a scam, in the launch languages.
const SCAM_NAMES: [&str; 29] = [
    "scam",
    "scams",
    "scammer",
    "scammers",
    "scamming",
    "phishing",
    "estafa",
    "estafas",
    "estafador",
    "estafadores",
    "golpe",
    "golpes",
    "golpista",
    "golpistas",
    "betrug",
    "betrüger",
    "abzocke",
    "arnaque",
    "arnaques",
    "arnaqueur",
    "arnaqueurs",
    "escroquerie",
    "escroc",
    "escrocs",
    "oplichting",
    "oplichter",
    "oplichters",
    "oplichterij",
    "fraude",
];

/// Words that say what something is (`it's`, `is`, `es`, `é`, `c'est`, `ist`,
/// `are`, `son`, `são`, `sont`, `sind`, `zijn`), split at apostrophes as
/// [`warns`] reads (`it's` is `it` and `s`).
const COPULAS: [&str; 16] = [
    "is", "s", "are", "was", "es", "son", "era", "é", "são", "foi", "est", "sont", "était", "ist",
    "sind", "zijn",
];

/// Words that deny a scam between the word that says what something is and the
/// scam's name, or just before (`isn't a scam`, `no es estafa`, `não é nenhum
/// golpe`, `ist kein Betrug`, `n'est pas une arnaque`, `is geen oplichting`).
const DENIALS: [&str; 30] = [
    "not", "no", "isn", "aren", "ain", "never", "zero", "0", "cero", "nada", "ninguna", "ningún",
    "nunca", "não", "nao", "nem", "nenhum", "nenhuma", "kein", "keine", "nicht", "nie", "niemals",
    "n", "pas", "aucun", "aucune", "jamais", "geen", "niet",
];

/// Words after a scam's name that take the warning back (`scam? no!`, `es
/// estafa? para nada`, `dicen que es estafa pero es real`, `c'est une arnaque ?
/// non !`, `ist das Betrug? nein`, `stimmt nicht`).
const RETRACTIONS: [&str; 18] = [
    "no", "nope", "not", "nah", "nada", "não", "nao", "nein", "non", "nee", "niet", "but", "pero",
    "mas", "mais", "aber", "maar", "stimmt",
];

/// Words that say something is fake, where [`warns`] reads a scam's name
/// (`that account is fake`, `is nep`, `ist gefälscht`; not `not fake`): in
/// chat, what the room is told is fake is a scam's bait. Not `bot` (lures sell
/// trading bots), nor `faux` or `falso` (also "wrong").
const FAKE_NAMES: [&str; 4] = ["fake", "fakes", "nep", "gefälscht"];

/// Words that make a line's `fake` a lure's own claim or someone else's (`all
/// other accounts are fake, i'm the real admin`, `anyone saying this is fake
/// is lying`): then the line warns of nothing.
const GENUINE: [&str; 20] = [
    "real",
    "legit",
    "genuine",
    "lying",
    "liars",
    "echt",
    "echte",
    "vrai",
    "vraie",
    "verdadero",
    "verdadera",
    "verdadeiro",
    "verdadeira",
    "mentira",
    "mienten",
    "mentem",
    "lügen",
    "lügt",
    "mentent",
    "liegen",
];

/// Words that ask the room to report or block someone, in forms that can
/// only be that (`reportad`, `denunciem`, `signalez`, `rapporteer`): a lure
/// never asks to be reported. Not the words for ignoring (`ignore the haters,
/// real giveaway`) nor `bloquez` or `blokkeer` (also "book your place").
const REPORT_ASKS: [&str; 20] = [
    "reportad",
    "reporten",
    "reportadlo",
    "reportenlo",
    "reportadla",
    "reportenla",
    "denunciad",
    "denuncien",
    "denúncienlo",
    "denuncienlo",
    "denunciadlo",
    "bloquead",
    "bloqueen",
    "denunciem",
    "reportem",
    "bloqueiem",
    "signalez",
    "rapporteer",
    "rapporteren",
    "blockt",
];

/// Words after which a word of [`REPORT_ASKS`] asks to be contacted, or
/// booked, instead (`blockt euch einen Platz`, `signalez-vous en mp`).
const CONTACT_AFTER: [&str; 9] = [
    "euch", "dich", "sich", "bei", "mir", "vous", "moi", "me", "je",
];

/// Words that ask to report or block someone only when who follows (`report
/// him`, `report and block`, `meldet ihn`, `report @bot`): English `report`,
/// `block` and `mute` are nouns too (`match report`, `a block of tickets`),
/// and German `meldet` is "gets in touch" (`wer sich zuerst meldet`).
const REPORT_VERBS: [&str; 4] = ["report", "block", "mute", "meldet"];

/// Who a word of [`REPORT_VERBS`] asks it of.
const REPORTED: [&str; 20] = [
    "it", "him", "her", "them", "the", "these", "those", "and", "pls", "please", "plz", "asap",
    "ihn", "sie", "den", "die", "das", "diesen", "diese", "dieses",
];

/// Words before an ask that deny it (`don't report`, `ne signalez pas`).
const ASK_DENIED_BEFORE: [&str; 5] = ["don", "dont", "never", "ne", "t"];

/// Words after an ask that deny it (`signalez pas`, `rapporteer hem niet`).
const ASK_DENIED_AFTER: [&str; 6] = ["pas", "jamais", "niet", "nicht", "nie", "not"];

/// Whether the line asks the room to report or block someone
/// ([`REPORT_ASKS`], [`REPORT_VERBS`]), with no denial in the two words
/// before the ask or the three after it.
fn asks_to_report(lower: &str, words: &[(usize, &str)]) -> bool {
    words.iter().enumerate().any(|(i, (end, w))| {
        let next = words.get(i + 1).map(|(_, n)| *n);
        let asked = (REPORT_ASKS.contains(w) && !next.is_some_and(|n| CONTACT_AFTER.contains(&n)))
            || (REPORT_VERBS.contains(w)
                && (next.is_some_and(|n| REPORTED.contains(&n))
                    || lower[*end..].trim_start().starts_with('@')));
        let before = &words[i.saturating_sub(2)..=i];
        asked
            && !before.windows(2).any(|pair| {
                let (d, after) = (pair[0].1, pair[1].1);
                // Dutch `pas op` is "watch out", no denial.
                (DENIALS.contains(&d) && !(d == "pas" && after == "op"))
                    || ASK_DENIED_BEFORE.contains(&d)
            })
            && !words[i + 1..]
                .iter()
                .take(3)
                .any(|(_, d)| ASK_DENIED_AFTER.contains(d))
    })
}

/// Private messages and apps off the platform, as a line warns the room off
/// them (`keine Privatnachrichten beantworten`, `niet via DM kopen`, `no por
/// DM`, `never via whatsapp`).
const PRIVATE: [&str; 14] = [
    "dm",
    "dms",
    "pm",
    "pms",
    "mp",
    "mps",
    "md",
    "pv",
    "inbox",
    "whatsapp",
    "telegram",
    "privatnachricht",
    "privatnachrichten",
    "priveberichten",
];

/// Words that may stand between a denial and a word for a private message:
/// the way or the place (`niet via DM`, `no por DM`, `pas en MP`).
const PRIVATE_WAYS: [&str; 10] = [
    "via", "por", "per", "par", "en", "em", "in", "op", "over", "uber",
];

/// Words after a private message's that ask for one (`dm me`, `pm for
/// prices`, `mp moi`).
const PRIVATE_ASKS: [&str; 10] = [
    "me", "mir", "moi", "mij", "for", "voor", "pour", "para", "pra", "mich",
];

/// Whether the line warns the room off private messages: a word of
/// [`PRIVATE`] is in it, every one right after a denial ([`DENIALS`],
/// [`NEVER`]) or after one and a way ([`PRIVATE_WAYS`]), none asked for
/// ([`PRIVATE_ASKS`]); and the line gives no other way to reach anyone: no
/// move off the platform [`PRIVATE`] does not name, no `@` at all (a handle
/// however it is written, `(@prize_desk)`, `ig:@x`, or an address), and a
/// number no longer than [`gives_contact`] allows. Not `no` right before the
/// word, which is Portuguese "in the" (`chama no pv`), nor `n` (`m'n privé
/// Telegram`). `words` are the words of `lower`, with where each ends.
fn denies_contact(lower: &str, words: &[(usize, &str)]) -> bool {
    let denial = |w: &str| (DENIALS.contains(&w) && w != "n" && w != "no") || NEVER.contains(&w);
    let denied = |i: usize| {
        (i >= 1 && denial(words[i - 1].1))
            || (i >= 2
                && PRIVATE_WAYS.contains(&words[i - 1].1)
                && (denial(words[i - 2].1) || words[i - 2].1 == "no"))
    };
    let mut named = false;
    for (i, (_, w)) in words.iter().enumerate() {
        if PRIVATE.contains(w) {
            named = true;
            let asked = words
                .get(i + 1)
                .is_some_and(|(_, n)| PRIVATE_ASKS.contains(n));
            if asked || !denied(i) {
                return false;
            }
        }
    }
    let elsewhere = LURES
        .iter()
        .filter(|(name, _)| *name == "lure.offplatform")
        .flat_map(|(_, entries)| entries.iter())
        .any(|entry| {
            // `en mp`, `pm me`: the private message already read.
            !entry.split(' ').any(|w| PRIVATE.contains(&w))
                && if entry.contains(' ') {
                    lower.contains(entry)
                } else {
                    words.iter().any(|(_, w)| w == entry)
                }
        });
    named && !elsewhere && !lower.contains('@') && !gives_contact(lower)
}

/// Whether the line gives a way to reach someone by itself: a word of three
/// bytes or more beginning with `@` (`telegram @tips_vip`), or seven digits
/// or more (`whatsapp 06…`). `lower` is in lower case.
pub(crate) fn gives_contact(lower: &str) -> bool {
    crate::words_of(lower).any(|w| w.len() > 2 && w.starts_with('@'))
        || lower.bytes().filter(u8::is_ascii_digit).count() >= 7
}

/// Whether the line warns of a scam: it says something is one — a word that
/// says what something is ([`COPULAS`]) in the four words before a scam's name
/// ([`SCAM_NAMES`]), with no denial ([`DENIALS`]) from the word before it on —
/// and neither asks it (`is it a scam?`) nor takes it back in the three words
/// after ([`RETRACTIONS`]) (`it's a scam`, `es estafa`, `é golpe`, `das ist
/// Betrug`, `c'est une arnaque`, `dat is oplichting`; not `not a scam`, `is it
/// a scam? NO!`, `dicen que es estafa pero es real`, `isso não é nenhum tipo de
/// golpe`, `scammers hate this`, `anti-scam seller`); or says something is
/// fake ([`FAKE_NAMES`]) the same way, in a line that claims nothing genuine
/// ([`GENUINE`]); or asks the room to report or block someone
/// ([`asks_to_report`]); or warns it off private messages
/// ([`denies_contact`]). `lower` is in lower case.
pub fn warns(lower: &str) -> bool {
    let words: Vec<(usize, &str)> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - lower.as_ptr() as usize + w.len(), w))
        .collect();
    let genuine = words.iter().any(|(_, w)| GENUINE.contains(w));
    asks_to_report(lower, &words)
        || denies_contact(lower, &words)
        || words.iter().enumerate().any(|(i, (end, w))| {
            let asked = lower[*end..].trim_start().starts_with('?');
            (SCAM_NAMES.contains(w) || (FAKE_NAMES.contains(w) && !genuine))
                && !asked
                && !words[i + 1..]
                    .iter()
                    .take(3)
                    .any(|(_, r)| RETRACTIONS.contains(r))
                && (i.saturating_sub(4)..i).any(|c| {
                    COPULAS.contains(&words[c].1)
                        && !words[c.saturating_sub(1)..i]
                            .iter()
                            .any(|(_, d)| DENIALS.contains(d))
                })
        })
}

/// The writer's own profile (`my bio`, `mi perfil`, `mon profil`, `mijn profiel`).
const OWN_PROFILE: &[&str] = &[
    "my profile",
    "my bio",
    "my page",
    "mi perfil",
    "mi bio",
    "meu perfil",
    "minha bio",
    "mon profil",
    "ma bio",
    "mijn profiel",
    "mijn bio",
    "mein profil",
    "meinem profil",
    "meine bio",
    "meiner bio",
];

/// Words that send the reader somewhere (`check`, `mira`, `regarde`, `kijk`):
/// verbs only, so "the old crest in my profile pic" is no invitation.
const INVITES: &[&str] = &[
    "check", "see", "look", "visit", "go", "click", "peep", "mira", "mirá", "ve", "visita",
    "revisa", "checa", "chequea", "entra", "ver", "vê", "olha", "confere", "passa", "regarde",
    "voir", "passe", "jette", "clique", "kijk", "bekijk", "ga", "schau", "guck", "besuch", "sieh",
    "klick",
];

/// Links placed in a profile (`link in bio`, `link im Profil`), and the bio as a
/// place to look (`in my bio`, `na minha bio`).
const LINK_IN_PROFILE: &[&str] = &[
    "in my bio",
    "en mi bio",
    "na minha bio",
    "dans ma bio",
    "in mijn bio",
    "in meiner bio",
    "link in bio",
    "link in my bio",
    "link in de bio",
    "link in mijn bio",
    "link im profil",
    "link in meiner bio",
    "link na bio",
    "link na minha bio",
    "link en bio",
    "link en mi perfil",
    "lien en bio",
    "lien dans ma bio",
    "lien dans mon profil",
];

/// Whether the line sends the room to the writer's own profile: a link placed in
/// it, or an invitation (`check`, `mira`, `regarde`, `kijk`…) before a mention of
/// it. Saying something about one's profile (`my profile pic`) is no lure.
fn own_profile_lure(lower: &str) -> bool {
    static SET: std::sync::OnceLock<crate::Phrases> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| crate::Phrases::new(LINK_IN_PROFILE.iter().chain(OWN_PROFILE)));
    // A link in the profile, or the profile after an invitation.
    set.any(lower, |k, phrase, at| {
        if !at_word_bounds(lower, at, phrase.len()) {
            return false;
        }
        if k < LINK_IN_PROFILE.len() {
            return true;
        }
        let words: Vec<&str> = lower[..at]
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().rev().take(3).any(|w| INVITES.contains(w))
    })
}

/// Whether the line mentions a handle posing as support (`@stream_support`,
/// `@HelpDesk_Live`).
fn staff_handle(lower: &str) -> bool {
    lower.contains('@')
        && lower.split_whitespace().any(|w| {
            w.strip_prefix('@').is_some_and(|handle| {
                STAFF_HANDLE_WORDS.iter().any(|s| {
                    crate::occurrences(handle, s).any(|at| {
                        !handle[at + s.len()..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphabetic)
                    })
                })
            })
        })
}

/// Whether `phrase` is in `text` as whole words (`stuur me` is not in "stuur
/// meer", `lien en` not in "le lien entre"); a phrase that begins or ends with
/// no letter (`/day`, `x2`) may touch a word there.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    crate::occurrences(text, phrase).any(|at| at_word_bounds(text, at, phrase.len()))
}

/// Whether `text[at..at + len]` neither starts nor ends inside a word.
fn at_word_bounds(text: &str, at: usize, len: usize) -> bool {
    let inner = &text[at..at + len];
    let edge_letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let starts = !edge_letter(inner.chars().next()) || !edge_letter(text[..at].chars().next_back());
    let ends =
        !edge_letter(inner.chars().next_back()) || !edge_letter(text[at + len..].chars().next());
    starts && ends
}

/// Whether a lure entry is one word (matched as a whole word of the line) rather
/// than a phrase (matched as written).
fn one_word(entry: &str) -> bool {
    entry.chars().all(char::is_alphanumeric)
}

/// The one-word lure entries and their kinds, for one lookup per word of a line.
fn lure_words() -> &'static rustc_hash::FxHashMap<&'static str, usize> {
    static WORDS: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, usize>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = rustc_hash::FxHashMap::default();
        for (kind, (_, entries)) in LURES.iter().enumerate() {
            for entry in entries.iter().filter(|e| one_word(e)) {
                words.insert(*entry, kind);
            }
        }
        words
    })
}

/// The lure entries of more than one word, by their first word (a line's word
/// there is looked up once), and those that begin with no letter (`/day`),
/// searched for as written.
struct LurePhrases {
    by_first: rustc_hash::FxHashMap<&'static str, Vec<(usize, &'static str)>>,
    loose: Vec<(usize, &'static str)>,
}

fn lure_phrases() -> &'static LurePhrases {
    static PHRASES: std::sync::OnceLock<LurePhrases> = std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut phrases = LurePhrases {
            by_first: rustc_hash::FxHashMap::default(),
            loose: Vec::new(),
        };
        for (kind, (_, entries)) in LURES.iter().enumerate() {
            for entry in entries.iter().filter(|e| !one_word(e)) {
                let first = entry.split(|c: char| !c.is_alphanumeric()).next();
                match first.filter(|w| !w.is_empty()) {
                    Some(first) => phrases
                        .by_first
                        .entry(first)
                        .or_default()
                        .push((kind, *entry)),
                    None => phrases.loose.push((kind, *entry)),
                }
            }
        }
        phrases
    })
}

/// The kinds of lure a line holds: its words looked up once each, for the
/// one-word entries and the first words of the phrases (a phrase that begins
/// with a letter can only begin where a word of the line does, and its first
/// word is then the line's word there, since a non-letter follows it).
fn lure_kinds(lower: &str) -> [bool; LURES.len()] {
    let words = lure_words();
    let phrases = lure_phrases();
    let mut hit = [false; LURES.len()];
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if let Some(kind) = words.get(word) {
            hit[*kind] = true;
        }
        if let Some(list) = phrases.by_first.get(word) {
            // `word` is a slice of `lower`: where it starts.
            let start = word.as_ptr() as usize - lower.as_ptr() as usize;
            for (kind, phrase) in list {
                if !hit[*kind]
                    && lower[start..].starts_with(phrase)
                    && at_word_bounds(lower, start, phrase.len())
                {
                    hit[*kind] = true;
                }
            }
        }
    }
    for (kind, phrase) in &phrases.loose {
        if !hit[*kind] && contains_phrase(lower, phrase) {
            hit[*kind] = true;
        }
    }
    hit
}

/// How scam-like a line is, 0–1, and the signals seen (`link.shortener`,
/// `lure.prize`, …). `lower` is the line in lower case, `hosts` the hosts of its
/// links; hosts on `allowed` (and their subdomains) are the tenant's own.
pub fn assess(lower: &str, hosts: &[&str], allowed: &[String]) -> (f32, Vec<&'static str>) {
    let mut signals = Vec::new();
    let mut link: f32 = 0.0;
    for host in hosts {
        let under =
            |d: &str| *host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'));
        let on = |list: &[String]| list.iter().any(|d| under(d));
        if on(allowed) {
            continue;
        }
        let mut seen = |name: &'static str, weight: f32| {
            if !signals.contains(&name) {
                signals.push(name);
            }
            link = link.max(weight);
        };
        if SHORTENERS.iter().any(|s| under(s)) {
            seen("link.shortener", 0.5);
        }
        let tld = host.rsplit('.').next().unwrap_or_default();
        if THROWAWAY_TLDS.contains(&tld) {
            seen("link.tld", 0.5);
        }
        if !host.is_ascii() || host.split('.').any(|l| l.starts_with("xn--")) {
            seen("link.lookalike", 0.75);
        }
        if imitated_brand(host).is_some() {
            seen("link.brand", 0.75);
        }
    }
    let mut hit = lure_kinds(lower);
    let drop = |hit: &mut [bool; LURES.len()], names: &[&str]| {
        for (kind, (name, _)) in LURES.iter().enumerate() {
            if names.contains(name) {
                hit[kind] = false;
            }
        }
    };
    // Whether one of `names` was hit: most lines hit none, and then the line is
    // not read again below.
    let any_hit = |hit: &[bool; LURES.len()], names: &[&str]| {
        LURES
            .iter()
            .zip(hit)
            .any(|((name, _), hit)| *hit && names.contains(name))
    };
    // A warning that secrets are never asked for asks for none.
    if any_hit(&hit, &["lure.secrets"])
        && lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| NEVER.contains(&w))
    {
        drop(&mut hit, &["lure.secrets"]);
    }
    // A warning of a scam with no link of its own describes the bait (`links
    // promising free skins, it's a scam`); the ask of one — a login, secrets,
    // a contact, money, a wallet, a payment — still counts (`lost crypto to a
    // scam? we recover it, telegram @…`).
    const BAIT: [&str; 4] = ["lure.prize", "lure.free", "lure.audience", "lure.urgency"];
    if any_hit(&hit, &BAIT) && hosts.is_empty() && warns(lower) {
        drop(&mut hit, &BAIT);
    }
    let mut kinds = 0;
    for (kind, (name, _)) in LURES.iter().enumerate() {
        if hit[kind] {
            kinds += 1;
            signals.push(*name);
        }
    }
    // A handle posing as support: a lure of its own kind.
    if !signals.contains(&"lure.staff") && staff_handle(lower) {
        kinds += 1;
        signals.push("lure.staff");
    }
    // A stranger sending the room to their own profile: a lure of its own beside
    // the move off the platform it also is.
    if own_profile_lure(lower) {
        kinds += 1;
        signals.push("lure.profile");
    }
    // A link that looks wrong is half the way; each kind of lure a quarter. A
    // lure needs a way to act on it — a link, a contact off the platform, a
    // wallet, a login, secrets asked for, a fee or a payment app — or it stays
    // below review ("if we win, drinks are free").
    let channel = link > 0.0
        || signals.iter().any(|s| {
            matches!(
                *s,
                "lure.offplatform" | "lure.crypto" | "lure.login" | "lure.secrets" | "lure.payment"
            )
        });
    let mut score = (link + 0.25 * kinds as f32).min(1.0);
    if !channel {
        score = score.min(0.4);
    }
    (score, signals)
}

/// The brand a host imitates: a brand's name inside someone else's domain
/// (`paypal-sicherheit.xyz`, `laliga-tickets.xyz`), or a name one or two letters
/// from a brand's after look-alike letters are folded (`steamcommunlty`,
/// `twltch`, `nubamk`, `robiox`). A brand's own domains (`paypal.com`,
/// `help.steampowered.com`) imitate nothing.
fn imitated_brand(host: &str) -> Option<&'static str> {
    if OFFICIAL_DOMAINS
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
    {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    // `nubank-seguro.com.br`, `paypal-login.co.uk`: the name before a
    // second-level domain.
    let second_level = |l: &str| matches!(l, "co" | "com" | "org" | "net" | "gov" | "ac" | "edu");
    let back = if labels.len() >= 3 && second_level(labels[labels.len() - 2]) {
        3
    } else {
        2
    };
    let registrable = labels.len().checked_sub(back).map(|i| labels[i])?;
    if BRANDS.contains(&registrable) || NAMED_BRANDS.contains(&registrable) {
        return None;
    }
    // Whole, or split by hyphens (`abn-amro-veilig.nl`).
    let joined = registrable.replace('-', "");
    if let Some(brand) = NAMED_BRANDS.iter().find(|b| joined.contains(*b)) {
        return Some(brand);
    }
    let folded = fold(registrable);
    for brand in BRANDS {
        if registrable.contains(brand) || folded.contains(brand) {
            return Some(brand);
        }
        for part in folded.split('-') {
            let near = if brand.len() >= 8 { 2 } else { 1 };
            if part.len() >= 5 && part != brand && within(part, brand, near) {
                return Some(brand);
            }
        }
    }
    None
}

/// Look-alike letters folded to the ones they imitate: `1`/`l` → `i`, `rn` → `m`,
/// `0` → `o`, `vv` → `w`.
fn fold(label: &str) -> String {
    label
        .replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .map(|c| match c {
            '1' | 'l' => 'i',
            '0' => 'o',
            c => c,
        })
        .collect::<String>()
}

/// Whether `a` and `b` are at most `edits` edits apart (after folding `b` the
/// same way, so `steamcommunity` meets `steamcommuniiy`).
fn within(a: &str, b: &str, edits: usize) -> bool {
    let b = fold(b);
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > edits {
        return false;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()] <= edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_phrases_fit_one_set() {
        assert!(LINK_IN_PROFILE.len() + OWN_PROFILE.len() <= 64);
    }

    /// The lure kinds as found before the index: every entry searched for.
    fn lure_kinds_searched(lower: &str) -> [bool; LURES.len()] {
        let words = lure_words();
        let mut hit = [false; LURES.len()];
        for word in lower.split(|c: char| !c.is_alphanumeric()) {
            if let Some(kind) = words.get(word) {
                hit[*kind] = true;
            }
        }
        for (kind, (_, entries)) in LURES.iter().enumerate() {
            if !hit[kind] {
                hit[kind] = entries
                    .iter()
                    .any(|entry| !one_word(entry) && contains_phrase(lower, entry));
            }
        }
        hit
    }

    #[test]
    fn the_phrase_index_finds_what_searching_finds() {
        let mut lines = vec![
            "free skins at bit.ly/x dm me".to_owned(),
            "le lien entre les deux".to_owned(),
            "stuur meer".to_owned(),
            "100 followers/day €5".to_owned(),
            "".to_owned(),
            "ünïcödé wörds and ß".to_owned(),
        ];
        for (_, entries) in LURES {
            for entry in entries {
                for line in [
                    entry.to_string(),
                    format!("ok {entry} now"),
                    format!("x{entry}"),
                    format!("{entry}s and more"),
                    format!("{entry}{entry}"),
                    format!("({entry})"),
                    format!("é{entry} {entry}é"),
                ] {
                    lines.push(line);
                }
            }
        }
        for line in &lines {
            assert_eq!(lure_kinds(line), lure_kinds_searched(line), "{line:?}");
        }
        // And each entry is found, as itself and inside a line.
        for (kind, (_, entries)) in LURES.iter().enumerate() {
            for entry in *entries {
                assert!(lure_kinds(entry)[kind], "{entry}");
                assert!(lure_kinds(&format!("ok {entry} now"))[kind], "{entry}");
            }
        }
    }

    fn score(line: &str) -> f32 {
        let lower = line.to_lowercase();
        let hosts = crate::link_hosts(&lower);
        assess(&lower, &hosts, &[]).0
    }

    #[test]
    fn a_warning_says_it_is_a_scam() {
        for line in [
            "don't click any links in chat promising free skins, it's a scam",
            "no hagáis clic en links que regalan skins gratis, es estafa",
            "klickt keine Links mit gratis Skins an, das ist Betrug",
            "não cliquem em link prometendo skin grátis, é golpe",
            "cliquez pas sur les liens qui promettent des skins gratuits, c'est une arnaque",
            "klik niet op links met gratis skins, dat is oplichting",
        ] {
            assert!(warns(&line.to_lowercase()), "{line}");
            assert!(score(line) < 0.5, "{line}");
        }
        for line in [
            "100% legit, not a scam",
            "no scam, real giveaway",
            "isso não é golpe",
            "isso aqui não é nenhum tipo de golpe",
            "das ist kein Betrug",
            "c'est pas une arnaque",
            "c'est pas du tout une arnaque",
            "dit is geen oplichting",
            "this isn't some kind of scam",
            "scam? no!",
            "scammers hate this",
            "anti-scam verified seller",
            "arnaque détectée sur ton compte",
            "is this a scam? NO!! free skins for the first 100 viewers",
            "es estafa? para nada",
            "dicen que es estafa pero es real",
            "ist das Betrug? nein!",
        ] {
            assert!(!warns(&line.to_lowercase()), "{line}");
        }
        // The ask of a scam still counts beside the word, and so does a link.
        for line in [
            "lost crypto to a scam? we recover it, telegram @RecoverFundsPro",
            "not a scam!! free skins at bit.ly/skinz, dm me",
            "it's no scam, free skins on skinzdrop.xyz",
            "avoid phishing! verify your account now at steam-verify.xyz",
            "cuidado con las estafas, el sorteo oficial es en sorteo-oficial.xyz, reclama tu premio",
        ] {
            assert!(score(line) >= 0.5, "{line}");
        }
    }

    #[test]
    fn asking_the_room_to_report_someone_or_saying_it_is_fake_warns() {
        for line in [
            "the \"free iPhone\" bot is back, report and ignore",
            "@support_giveaway_dm again, report him pls",
            "spam bot in chat, block @freeskinz_bot",
            "otra vez el bot del \"iPhone gratis\", reportad y no hagáis caso",
            "hay un bot @sorteo_btc_oficial pasando links falsos, reportadlo porfa",
            "alerta: @suporte_binance_dm NÃO é mod, denunciem",
            "@skins_free_bot postet 40 mal denselben Link, meldet ihn bitte",
            "le bot \"iPhone gratuit\" est de retour, signalez et ignorez",
            "pas op allemaal, @gratis_btc_winactie is nep!",
            "die giveaway-account is nep, rapporteer hem",
            "pas op, rapporteer die bot",
            "@win_btc_nl pas op! rapporteer hem",
            "that giveaway account is fake",
            "dieses Gewinnspiel ist gefälscht",
        ] {
            assert!(warns(&line.to_lowercase()), "{line}");
        }
        for line in [
            // Asked to get in touch, not to report.
            "meldet euch bei mir für gratis skins",
            // Nouns, not asks.
            "a block of 4 tickets for sale, dm me",
            "match report: free skins for everyone at the end",
            "report card day lol",
            // Denied.
            "don't report me, the giveaway is real",
            "nicht melden, ist echt",
            "i'm not a bot, real giveaway, dm me",
            "echte volgers, geen bots",
            "this bot gives free robux, works 100%",
            "is it fake? no! free skins for the first 100",
            "ne signalez pas, c'est un vrai giveaway, écrivez-moi",
            "rapporteer dit bericht niet, je hebt gewonnen!",
            // Ignoring is a lure's word too.
            "investment opportunity, 100x guaranteed profit, whatsapp me. not interested? just ignore",
            "ignore the haters, real giveaway, dm me on telegram",
            "negeer de haters, echte giveaway, stuur me een dm",
            "report this to win, free crypto giveaway, dm me",
            // Getting in touch, booking a place.
            "wer sich zuerst meldet, gewinnt ein iPhone, schreibt mir auf Telegram",
            "wer gratis skins will meldet sich per dm",
            "places limitées, bloquez votre place maintenant",
            "signalez-vous en mp pour recevoir vos skins",
            "blockt euch jetzt einen Platz, nur 10 frei",
            // A lure's own claim, or someone else's.
            "all other accounts are fake, i'm the real admin, dm me to claim your prize",
            "anyone saying this is fake is lying, i got paid, dm me for the airdrop",
            "it's an ai trading bot, guaranteed profit, dm me",
            "es un bot de trading que duplica tu btc",
            "c'est faux, le giveaway est réel, écrivez-moi",
        ] {
            assert!(!warns(&line.to_lowercase()), "{line}");
        }
    }

    #[test]
    fn warning_the_room_off_private_messages_warns() {
        for line in [
            "tickets only through the club shop, never via DM",
            "Tickets nur über den offiziellen Vereinsshop, keine Privatnachrichten beantworten",
            "kaarten alleen via de officiële site, niet via DM kopen",
            "el sorteo se hace en su web, no por DM",
            "c'est sur leur site, pas en MP",
            "é pelo site deles, não por DM nem por whatsapp",
        ] {
            assert!(warns(&line.to_lowercase()), "{line}");
        }
        for line in [
            // Portuguese `no` is "in the"; `m'n` is "my".
            "chama no pv pra seguidores baratos, mil por 10 reais",
            "m'n privé Telegram staat in m'n profiel",
            // A denial in another clause, or of one app only.
            "no experience needed, DM me \"INFO\"",
            "not on telegram anymore, dm me on whatsapp",
            // A denial of something else, a contact asked for or given.
            "don't hesitate to DM me for free followers",
            "abonnés pas cher en mp",
            "me chama no meu pv pra seguidores baratos",
            "geen ervaring nodig dm me",
            "never trust DMs, real giveaway: add me on snap xyz123",
            "no DM — whatsapp me +44 7700 900123 for tickets",
            "not before 9 pm, claim your prize, text 07700900123",
            // A handle stuck to punctuation is a way to reach someone too.
            "claim your prize, never via DM, only from our admin (@prize_desk)",
        ] {
            assert!(!warns(&line.to_lowercase()), "{line}");
        }
    }

    #[test]
    fn look_alike_and_borrowed_brands() {
        for host in [
            "steamcommunlty.com",
            "twltch-rewards.live",
            "nubamk-seguro.click",
            "paypal-sicherheit.xyz",
            "robiox-premios.top",
            "postnl-bezorging-nl.com",
            "abn-amro-veilig.nl",
            "mercadolivre-ofertas.com.br",
        ] {
            assert!(imitated_brand(host).is_some(), "{host}");
        }
        for host in [
            "paypal.com",
            "help.steampowered.com",
            "twitch.tv",
            "bbc.co.uk",
            "sky.com",
            "postnl.nl",
            "jouw.postnl.nl",
            "mercadolivre.com.br",
            "chat.whatsapp.com",
            "postal.io",
            "whatsup.nl",
            "marktplatz-mittelstand.de",
        ] {
            assert_eq!(imitated_brand(host), None, "{host}");
        }
    }

    #[test]
    fn lures_count_together_and_links_by_their_look() {
        assert!(score("congrats! you were picked, claim at bit.ly/3xPs5Win") >= 0.75);
        assert!(score("send 0.1 ETH to the wallet in my bio and get double back") >= 0.5);
        assert!(score("1000 echte volgers voor maar €4,99, stuur me een dm") >= 0.5);
        // One lure is enough when it sends the room to the writer's own profile.
        for lure in [
            "check out my profile, you won't regret it",
            "kijk even op mijn profiel 😘",
            "full list in my bio 🔥",
            "envoie 0,2 ETH et tu reçois le double",
            "10k views op je stream, pm me",
            "link im Profil, nur noch 5 Plätze",
            // Secrets asked for, a fee, support posed as.
            "hi, mod team here, send your email and password so we can check you're not a bot",
            "du hast gewonnen!! meld dich bei rtl-gewinnservice.com mit deiner iban",
            "DM @Stream_Support_Desk if your stream keeps cutting, they fix it remotely",
            "je rembourse ta mise perdue, juste des petits frais de dossier à régler",
        ] {
            assert!(score(lure) >= 0.5, "{lure}: {}", score(lure));
        }
        for clean in [
            "my profile pic is the old crest lol",
            "I have the old crest in my profile pic",
            "le lien entre les deux clubs, offert par l'histoire",
            "stuur meer spitsen naar voren, gratis advies voor de trainer",
            "BTC forming a double top on the daily",
            "kick-off moved to 8 pm",
            "what a free kick, top corner",
            "si on gagne le cocktail du bar est offert",
            "El VAR confirma que el gol es válido",
            "Ganhou o Benfica, o que conta são os três pontos",
            "Le but compte, on a gagné ! cadeau du gardien",
            "We won! Next game Saturday 3 pm",
            "Nur noch 5 Minuten, der VAR muss das Tor bestätigen",
            "Qué sol hace, los primeros 20 minutos fueron nuestros",
            "Los datos no mienten: en los últimos 5 partidos",
            "PSV heeft gewonnen en is terug bovenaan, wie weet het adres van de kroeg?",
            "We needed that win.Top of the league!",
            "What a goal by Mbappé.It was offside",
            "großartig.Es war laut",
            "buy signal on the 4h chart, tips welcome",
            "highlights on bbc.co.uk/sport tonight",
            "the stream has 20k viewers right now",
            "bitcoin at 64k, chart looks heavy",
            "forgot my password again, stream in 5 min",
            "the ref should verify that with VAR",
            "de tikkie voor de pot komt vanavond",
            "anyone else not getting the twitch verification code?",
            "forgot my login details lol",
            "Passwort vergessen, kann mich nicht einloggen",
            "esqueci a senha, não consigo logar",
            "the mod team will never ask for your password",
            "a taxa de adoção é grátis este mês?",
            "la comisión de árbitros tiene que verificar",
            "Ist der Stream kostenlos oder kostet das eine Gebühr?",
            "kann das jemand bestätigen? der Verein will Anzeige erstatten",
            "@BWFBadminton can you verify the score?",
            "@LFC_Supporters verify the away allocation pls",
        ] {
            assert!(score(clean) < 0.5, "{clean}: {}", score(clean));
        }
    }
}
