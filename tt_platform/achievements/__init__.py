"""Research results (科技成果) that universities and institutes list."""
from __future__ import annotations

from tt_platform.achievements.indexing import achievement_document
from tt_platform.achievements.models import Achievement
from tt_platform.indexing import registry


def init_app(app) -> None:
    registry.register("achievement", Achievement, achievement_document)
