"""flask backup / flask restore: a copy of a live instance, restored into an empty one, gives the same pages."""
from __future__ import annotations

import re

from flask_migrate import upgrade

from tests.conftest import TEST_CONFIG
from tests.factories import make_achievement, make_demand, make_org
from tt_platform import create_app
from tt_platform.accounts.models import OrgKind
from tt_platform.database import db
from tt_platform.indexing import sync


def instance(tmp_path, name):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / name}.db",
                      "SEARCH_INDEX_DIR": str(tmp_path / f"{name}-index"),
                      "SEARCH_VECTOR_DIR": str(tmp_path / f"{name}-vectors"), "UPLOAD_DIR": str(tmp_path / name),
                      "SEARCH_RANKER_DIR": str(tmp_path / f"{name}-ranker")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def page(app, path: str) -> str:
    html = app.test_client().get(path).get_data(as_text=True)
    return re.sub(r'(csrf_token|csrf-token)[^>]*>', "", html)


def test_a_backup_restored_into_an_empty_instance_gives_the_same_pages(tmp_path):
    first = instance(tmp_path, "first")
    with first.app_context():
        result = make_achievement(make_org(OrgKind.UNIVERSITY), title="可备份的风电叶片覆冰监测成果",
                                  keywords="覆冰,备份")
        demand = make_demand(make_org(), title="需要叶片覆冰监测的风电场", keywords="覆冰")
        db.session.commit()
        sync.rebuild()
        db.session.commit()
        result_id = result.id
        paths = ["/results/", f"/results/{result.id}", f"/demands/{demand.id}", "/results/?q=覆冰",
                 f"/matches/demand/{demand.id}"]
    copy = tmp_path / "copy.db"
    done = first.test_cli_runner().invoke(args=["backup", str(copy)])
    assert done.exit_code == 0 and copy.exists(), done.output
    assert first.test_cli_runner().invoke(args=["backup", str(copy)]).exit_code != 0  # never overwrites

    second = instance(tmp_path, "second")
    restored = second.test_cli_runner().invoke(args=["restore", str(copy)])
    assert restored.exit_code == 0 and "search index rebuilt (2 listings)" in restored.output, restored.output
    for path in paths:
        assert page(first, path) == page(second, path), path
    for path in ("/results/", "/results/?q=覆冰", f"/matches/demand/{demand.id}"):  # the rebuilt index finds it
        assert f'href="/results/{result_id}"' in page(second, path), path
    assert second.test_client().get(f"/demands/{demand.id}").status_code == 200

    again = second.test_cli_runner().invoke(args=["restore", str(copy)])
    assert again.exit_code != 0 and "holds data already" in again.output


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    app = instance(tmp_path, "empty")
    refused = app.test_cli_runner().invoke(args=["restore", str(junk)])
    assert refused.exit_code != 0 and "not a backup" in refused.output
    with app.app_context():
        assert sync.status()["in_database"] == 0
