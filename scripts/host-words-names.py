#!/usr/bin/env python3
"""The person names of the host-word set's gazetteer (see scripts/host-words.sh).

Reads the first- and last-name tables of the `names-dataset` wheel (PyPI,
Apache-2.0: names with their rank of frequency per country) and prints, one per
line and sorted, every word of the 5,000 most frequent first or last names of
each country where a launch language is spoken, but for the words that are
everyday words of the word lists in SOURCES (entries in lower case, and German's
nouns: `Loser`, `Penner`) or entries of its swear-word lists (`Wanker`, `Nazi`):
a name is only a name where no word reads the same. Only names: no counts, no
people.

    host-words-names.py WHEEL SOURCES > names.txt
"""
import gzip
import io
import json
import pathlib
import pickle
import re
import sys
import zipfile

# Where English, German, Spanish, Portuguese, French and Dutch are spoken.
COUNTRIES = {
    "GB", "US", "IE", "CA", "AU",
    "DE", "AT", "CH", "LU",
    "ES", "MX", "AR", "CO", "CL", "PE",
    "PT", "BR",
    "FR", "BE", "NL",
}
TOP = 5000
# The files of SOURCES that hold names rather than words.
NOT_WORDS = {"gazetteer.txt", "names.txt", "communes.txt"}


def read_text(path: pathlib.Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # some of Debian's lists are Latin-1


def words_and_swearing(sources: pathlib.Path) -> set:
    known = set()
    for path in sources.glob("*.txt"):
        if path.name in NOT_WORDS:
            continue
        for word in re.findall(r"[^\W\d_]+", read_text(path)):
            # A list's capitalised entries are names, but for German's nouns.
            if word.islower() or "german" in path.name:
                known.add(word.lower())
    lexicon = list((sources / "lexicon").glob("*.json"))
    if len(known) < 100000 or not lexicon:
        sys.exit(f"the word lists or the swear-word lists are missing in {sources}")
    for path in lexicon:
        for entry in json.loads(read_text(path)):
            known.update(w.lower() for w in re.findall(r"[^\W\d_]+", entry))
    return known


def main() -> None:
    wheel_path, sources = sys.argv[1], pathlib.Path(sys.argv[2])
    known = words_and_swearing(sources)
    names = set()
    with zipfile.ZipFile(wheel_path) as wheel:
        for table in ("first_names", "last_names"):
            raw = wheel.read(f"names_dataset/v3/{table}.pkl.gz")
            data = pickle.load(gzip.GzipFile(fileobj=io.BytesIO(raw)))
            for name, info in data.items():
                ranks = info.get("rank") or {}
                if not any((ranks.get(c) or TOP + 1) <= TOP for c in COUNTRIES):
                    continue
                # Each word of a name is a name (`De Koker`, `Von Gunten`), but
                # for everyday words and swearing (`koker`, a case).
                for word in re.findall(r"[^\W\d_]+", name):
                    if word.lower() not in known:
                        names.add(word)
    if len(names) < 50000:
        sys.exit(f"only {len(names)} names in {wheel_path}")
    sys.stdout.write("\n".join(sorted(names)) + "\n")


if __name__ == "__main__":
    main()
