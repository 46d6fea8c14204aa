"""Bulk import benchmark: N result rows from an XLSX file through the same path as the UI's background
import (streamed read → the kind's form → the results service → audit and outbox rows, 200 rows a
flush → one commit; each saved chunk handed to the embedded index as it goes, published after the
commit; embeddings excluded), on a throwaway SQLite database.

    .venv/bin/python bench/import_xlsx.py [--n 50000]

Speeds are also given as a ratio to an anchor measured in the same run on the same file: the bare
streamed read of the workbook (openpyxl, read-only), so machines of different speed compare.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import vocabulary  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_xlsx(path: Path, n: int, headers: list[str]) -> None:
    import random

    rng = random.Random(5)
    keywords, sentences = vocabulary()
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    fields = ["新能源与高效节能", "先进制造", "电子信息", "生物、医药和医疗器械", "T05"]
    for i in range(n):
        kws = rng.sample(keywords, 3)
        row = {"外部编号 External reference": f"B-{i:06d}", "标题* Title": "".join(kws) + f"方法{i}",
               "公开摘要* Public summary": "。".join(rng.sample(sentences, 2))[:900] + "。",
               "详细介绍* Detailed description": "。".join(rng.sample(sentences, 3)) + "。",
               "技术领域* Technology field": rng.choice(fields), "关键词 Keywords": "，".join(kws),
               "地区* Region": "浙江省 杭州市", "合作方式* Cooperation modes": "技术转让、技术许可",
               "有效期至* Valid until": until, "联系人* Contact person": "孙老师",
               "联系电话* Contact phone": "0571-88880000", "技术成熟度* Maturity (TRL)": str(rng.randint(3, 9)),
               "转让价格（万元） Asking price (万元)": str(rng.randint(10, 900)), "价格面议 Price negotiable": "否"}
        sheet.write_row(i + 1, 0, [row.get(h, "") for h in headers])
    book.close()


def floors(table, org, operator, sample: int) -> tuple[float, float, float]:
    """CPU ms a row of the parts the mandated path cannot skip, each alone on the first `sample` rows:
    the cells read into form data, the results form (process + validate + to_data, one instance refilled
    as the import does), and a bare ORM insert of the same listings in 200-row flushes (no service rules,
    audit, outbox or review). Their sum is a floor under the import's CPU per row on this machine."""
    import dataclasses
    import itertools

    from werkzeug.datastructures import MultiDict
    from wtforms import FieldList

    from tt_platform.achievements.forms import AchievementForm
    from tt_platform.achievements.models import Achievement
    from tt_platform.bulk import columns, services
    from tt_platform.database import db

    accepted = services.header_map(columns.RESULTS)
    mapped = {h: accepted[services._normal(h)] for h in table.headers}
    rows = list(itertools.islice(table.rows, sample))
    start = time.process_time()
    formdata = []
    for _number, values in rows:
        row = MultiDict()
        for header, (key, column, _index) in mapped.items():
            value = column.read(values.get(header))
            for item in value if isinstance(value, list) else [value]:
                if item != "" and key != "external_ref":
                    row.add(key, item)
        formdata.append(row)
    cells = time.process_time()
    form = AchievementForm(formdata=formdata[0], meta={"csrf": False})
    for repeated in form:  # as the import does: no blank IP-record rows to validate
        if isinstance(repeated, FieldList):
            repeated.min_entries = 0
    data = []
    for row in formdata:
        form.process(row)
        assert form.validate(), form.errors
        data.append(form.to_data())
    formed = time.process_time()
    stored = {c.key for c in Achievement.__table__.columns}
    for chunk in range(0, len(data), 200):
        db.session.add_all(Achievement(
            organisation_id=org.id, created_by_id=operator.id, status="pending",
            **{f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name in stored},
        ) for d in data[chunk:chunk + 200])
        db.session.flush()
    db.session.commit()
    inserted = time.process_time()
    per_row = 1000 / len(rows)
    return (cells - start) * per_row, (formed - cells) * per_row, (inserted - formed) * per_row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update({"TT_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite", "TT_SEARCH_INDEX_DIR": str(tmp / "index"),
                           "TT_SEARCH_VECTOR_DIR": str(tmp / "vectors"), "TT_SECRET_KEY": "bench", "TT_DEMO": "0",
                           "TT_SEARCH_EMBEDDINGS": "off", "TT_IMPORT_MAX_BYTES": str(200 * 1024 * 1024)})
        from flask_migrate import upgrade

        from tests.factories import make_operator, make_org
        from tt_platform import create_app
        from tt_platform.accounts.models import OrgKind
        from tt_platform.bulk import columns, files, services
        from tt_platform.bulk.index_feed import IndexFeed
        from tt_platform.database import db
        from tt_platform.indexing import outbox
        from tt_platform.indexing.engine import get_backend

        app = create_app({"IMPORT_MAX_BYTES": 200 * 1024 * 1024})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            org, operator = make_org(OrgKind.UNIVERSITY), make_operator()
            db.session.commit()
            path = tmp / "results.xlsx"
            write_xlsx(path, args.n, columns.RESULTS.headers())
            data = path.read_bytes()

            start, cpu_start = time.perf_counter(), time.process_time()
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            anchor_rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
            book.close()
            anchor, anchor_cpu = time.perf_counter() - start, time.process_time() - cpu_start

            start, cpu_start = time.perf_counter(), time.process_time()
            feed = IndexFeed()  # as the background worker does: the engine analyses chunks as they are saved
            table = files.read_table(data, "results.xlsx", limits=files.Limits(max_bytes=len(data) + 1))
            report = services.run(services.KINDS["results"], table, operator, org, services.Options(), write=True,
                                  on_saved=feed)
            db.session.commit()
            imported, imported_cpu = time.perf_counter() - start, time.process_time() - cpu_start
            problems = [r.errors for r in report.rows if r.errors][:3]
            assert report.written and report.counts()["created"] == args.n, problems
            assert feed.finish()
            db.session.commit()
            total = time.perf_counter() - start
            assert get_backend().count() == args.n and outbox.pending_count() == 0
            table = files.read_table(data, "results.xlsx", limits=files.Limits(max_bytes=len(data) + 1))
            floor = floors(table, org, operator, min(args.n, 5_000))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"CPU: {cpu_model()} · {os.cpu_count()} cores · Python {platform.python_version()}")
        print(f"file: {args.n} rows, {len(data) / 1e6:.1f} MB")
        print(f"anchor (bare streamed read): {anchor_rows / anchor:,.0f} rows/s")
        print(f"import (read + form + service + audit/outbox + commit): {args.n / imported:,.0f} rows/s "
              f"({imported:.1f} s; {(args.n / imported) / (anchor_rows / anchor):.3f} × anchor)")
        # CPU seconds of this process (the index's analysis runs in worker processes, not counted): on a
        # machine shared with other work, wall-clock ratios move with the neighbours, CPU ones much less
        print(f"import, CPU time of this process: {args.n / imported_cpu:,.0f} rows per CPU-second "
              f"({(args.n / imported_cpu) / (anchor_rows / anchor_cpu):.3f} × the anchor's rows per CPU-second)")
        print(f"end to end with indexing: {args.n / total:,.0f} rows/s ({total:.1f} s; "
              f"{(args.n / total) / (anchor_rows / anchor):.3f} × anchor)")
        print(f"peak RSS: {peak_mb:,.0f} MB")
        print(f"floor, CPU ms a row of the parts the path cannot skip: cells → form data {floor[0]:.3f}, the form "
              f"{floor[1]:.3f}, a bare ORM insert {floor[2]:.3f}; sum {sum(floor):.3f} ms "
              f"(≤ {1000 / sum(floor):,.0f} rows per CPU-second with no service, audit, outbox or index at all); "
              f"the import: {1000 * imported_cpu / args.n:.3f} ms a row")


if __name__ == "__main__":
    main()
