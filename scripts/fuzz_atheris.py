"""Coverage-guided fuzzing of the reader and the claims layer with atheris (libFuzzer). Not run in CI.

    pip install atheris
    python scripts/fuzz_atheris.py -max_total_time=600 -max_len=4096 [CORPUS_DIR ...]

Each input is fed twice: as file bytes to `reader.decode` (which may raise ArticleError and nothing
else), and, when it decodes, as article text through `claims.extract_claims` and `facts.row_for`, where
every row must satisfy the provenance check text[char_start:char_end] == quote. The seed corpus is the
project's corpus/*.txt, copied into ./fuzz-corpus (libFuzzer adds the inputs it finds there); a crash input is written by libFuzzer as crash-<sha1> in the working folder.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import atheris

# Heavy dependencies first, so only the project's own modules are instrumented (fast start, useful coverage).
import charset_normalizer  # noqa: F401,E402
import pandas  # noqa: F401,E402
import regex  # noqa: F401,E402
import spacy  # noqa: F401,E402

with atheris.instrument_imports(include=["extractor"]):
    from extractor.claims import extract_claims
    from extractor.facts import row_for
    from extractor.reader import ArticleError, article_from_text, decode, matching_view

MAX_TEXT = 20_000   # keep each execution short; long inputs are covered by tests/test_facts.py


def check(data: bytes) -> None:
    try:
        text, _ = decode(data)
    except ArticleError:
        return
    text = text[:MAX_TEXT]
    view = matching_view(text)
    assert len(view) == len(text)
    article = article_from_text(text, "fuzz")
    for claim in extract_claims(view):
        row = row_for(article, claim)
        assert 0 <= row.char_start < row.char_end <= len(text), row
        assert text[row.char_start:row.char_end] == row.quote, row


def main() -> None:
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):
        # libFuzzer adds new inputs to the first corpus folder: seed a working copy, never corpus/ itself.
        work = Path("fuzz-corpus")
        work.mkdir(exist_ok=True)
        for seed in (Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"):
            shutil.copy(seed, work / seed.name)
        args.append(str(work))
    from extractor.pipeline import build_nlp

    build_nlp()   # outside the timed executions
    atheris.Setup(args, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
