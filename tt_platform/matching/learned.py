"""The installation's learned re-ranker: trained by `flask match train` on its judgments, kept as
versioned JSON files, used by the match pages only while its last training said it helps.

Each training writes `ranker-v<N>.json` (the judgments' hash, the cross-validated figures, the decision
and the model) and points `current.json` at it; a training whose cross-validation no longer shows a
gain writes a version that is switched off. Every process reads `current.json` again when it changes.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from search import ranker
from search.matching import DEFAULT_WEIGHTS, Weights

#: the untuned fusion the learned model must beat: reciprocal rank of the three channels, weights 1,
#: no term table, no structured fit
UNTUNED = Weights(title=1.0, keywords=1.0, ask=1.0, background=1.0, field=0.0, maturity=0.0, price=0.0,
                  modes=0.0, region=0.0, freshness=0.0)
#: candidates the learned model re-orders on a page (the fusion's best)
DEPTH = 50


@dataclass
class Active:
    version: int
    model: ranker.LinearRanker
    cv_learned: float
    cv_untuned: float
    strongest: list


def _folder() -> Path:
    return Path(current_app.config["SEARCH_RANKER_DIR"])


def active() -> Active | None:
    """The learned model the pages use now, or None (never trained, switched off, or from other features)."""
    path = _folder() / "current.json"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    cache = current_app.extensions.setdefault("tt_ranker", {})
    stamp = (str(path), stamp)
    if cache.get("stamp") != stamp:
        data = json.loads(path.read_text())
        model = data.get("model")
        usable = data.get("enabled") and model and tuple(model.get("features", ())) == ranker.FEATURES
        cache.update(stamp=stamp, active=Active(data["version"], ranker.load(model), data["cv_learned"],
                                                data["cv_untuned"], data.get("strongest", [])) if usable else None)
    return cache["active"]


def save(decision: ranker.Decision) -> int:
    """Write the next version and make it current; returns its number."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    versions = [int(p.stem.removeprefix("ranker-v")) for p in folder.glob("ranker-v*.json")
                if p.stem.removeprefix("ranker-v").isdigit()]
    version = max(versions, default=0) + 1
    body = json.dumps(decision.to_json() | {"version": version, "weights_of_fusion": DEFAULT_WEIGHTS.__dict__},
                      ensure_ascii=False, indent=1)
    (folder / f"ranker-v{version}.json").write_text(body)
    temporary = folder / "current.json.tmp"
    temporary.write_text(body)
    os.replace(temporary, folder / "current.json")  # readers see the old version or the new one
    return version
