"""Runs alt-profanity-check (PyPI) over one half of the evaluation set and writes
what it would let the room see: a line it predicts profane is withheld (`text`
null), any other goes through as written. For `moderation-eval --peer`.

Usage: python run_profanity_check.py CORPUS_DIR HALF OUT_FILE
"""

import json
import sys
import time
from pathlib import Path

from profanity_check import predict


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, half, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    lines = []
    for path in sorted((corpus / half).glob("*.jsonl")):
        lines += [json.loads(l) for l in path.read_text("utf-8").splitlines() if l.strip()]
    started = time.perf_counter()
    flagged = predict([line["text"] for line in lines])
    spent = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for line, bad in zip(lines, flagged):
            f.write(json.dumps({"id": line["id"], "text": None if bad else line["text"]}) + "\n")
    print(f"alt-profanity-check: {len(lines)} lines in {spent * 1000:.1f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
