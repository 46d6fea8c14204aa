"""tt_platform: technology-transfer matchmaking platform (技术转移撮合平台)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands. Wiring only."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)

    from tt_platform.config import load_config

    load_config(app, test_config)

    from tt_platform import (
        achievements,
        alerts,
        api,
        brokerage,
        challenges,
        cli,
        contracts,
        demands,
        errors,
        i18n,
        indexing,
        listings,
        page_cache,
        pricing,
        roadshows,
        trading,
        web,
    )
    from tt_platform.database import db
    from tt_platform.extensions import csrf, limiter, login_manager, migrate

    web.install_converters(app)  # before any route is added: `<int:…>` ids are bounded (404 above MAX_ID)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    # Bottom up: each feature registers its template helpers, search mapping and seams itself.
    for feature in (i18n, web, errors, page_cache, indexing, listings, demands, achievements, contracts, alerts,
                    brokerage, challenges, roadshows, pricing, trading, api, cli):
        feature.init_app(app)

    from tt_platform.accounts.views import bp as accounts_bp
    from tt_platform.achievements.views import bp as achievements_bp
    from tt_platform.alerts.views import bp as alerts_bp
    from tt_platform.api.match import bp as api_match_bp
    from tt_platform.api.token_views import bp as api_tokens_bp
    from tt_platform.api.views import bp as api_bp
    from tt_platform.auth.views import bp as auth_bp
    from tt_platform.brokerage.views import bp as brokerage_bp
    from tt_platform.bulk.views import bp as bulk_bp
    from tt_platform.challenges.views import bp as challenges_bp
    from tt_platform.contracts.views import bp as contracts_bp
    from tt_platform.demand_lists.views import bp as demand_lists_bp
    from tt_platform.demands.views import bp as demands_bp
    from tt_platform.main.views import bp as main_bp
    from tt_platform.matching.views import bp as matching_bp
    from tt_platform.moderation.views import bp as moderation_bp
    from tt_platform.orgs.views import bp as orgs_bp
    from tt_platform.pricing.views import bp as pricing_bp
    from tt_platform.roadshows.views import bp as roadshows_bp
    from tt_platform.stats.views import bp as stats_bp
    from tt_platform.trading.views import bp as trading_bp
    from tt_platform.vocabulary.views import bp as vocabulary_bp

    for blueprint in (main_bp, auth_bp, accounts_bp, orgs_bp, demands_bp, demand_lists_bp, achievements_bp,
                      moderation_bp, matching_bp, vocabulary_bp, api_match_bp, alerts_bp, contracts_bp, stats_bp,
                      brokerage_bp, roadshows_bp, api_bp, api_tokens_bp, bulk_bp, challenges_bp, pricing_bp,
                      trading_bp):
        app.register_blueprint(blueprint)
    return app
