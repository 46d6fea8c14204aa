"""The upload reader on real files: formats, encodings, and hostile files refused in bounded memory."""
from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
import xlsxwriter

from tt_platform.bulk.files import FileProblem, Limits, read_table, sheet_names


def rows_of(table):
    return list(table.rows)


def openpyxl_file(rows, title="Sheet") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_from_openpyxl_keeps_numbers_dates_and_text(app):
    data = openpyxl_file([["标题", "价格", "日期", "面议"], ["叶片覆冰监测", 12.5, dt.datetime(2026, 3, 1), True],
                          [None, None, None, None], ["第二行", 200.0, dt.date(2027, 1, 2), False]])
    table = read_table(data, "x.xlsx")
    assert table.format == "xlsx" and table.headers == ["标题", "价格", "日期", "面议"]
    assert rows_of(table) == [(2, {"标题": "叶片覆冰监测", "价格": "12.5", "日期": "2026-03-01", "面议": "是"}),
                              (4, {"标题": "第二行", "价格": "200", "日期": "2027-01-02", "面议": "否"})]


def test_xlsx_from_xlsxwriter_a_named_sheet_and_formulas_never_evaluated(app):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("说明").write_string(0, 0, "填写说明")
    data_sheet = book.add_worksheet("数据")
    data_sheet.write_row(0, 0, ["标题", "金额"])
    data_sheet.write_string(1, 0, "成果一")
    data_sheet.write_formula(1, 1, "=1+1", None, 2)  # a cached value
    data_sheet.write_string(2, 0, "成果二")
    data_sheet.write_formula(2, 1, '=WEBSERVICE("http://example.invalid")')  # XlsxWriter caches 0
    book.close()
    data = out.getvalue()
    assert sheet_names(data) == ["说明", "数据"]
    table = read_table(data, "x.xlsx", sheet="数据")
    assert rows_of(table) == [(2, {"标题": "成果一", "金额": "2"}), (3, {"标题": "成果二", "金额": "0"})]
    with pytest.raises(FileProblem, match="数据"):
        read_table(data, "x.xlsx", sheet="不存在")


@pytest.mark.parametrize(("raw", "encoding"), [
    ("标题,地区\n覆冰监测,浙江省\n".encode(), "utf-8"),
    ("\ufeff标题,地区\n覆冰监测,浙江省\n".encode(), "utf-8-sig"),
    ("标题,地区\n覆冰监测,浙江省\n".encode("gbk"), "gb18030"),
    ("标题\t地区\n覆冰监测\t浙江省\n".encode(), "utf-8"),
])
def test_csv_encodings_are_detected(app, raw, encoding):
    table = read_table(raw, "x.csv")
    assert table.encoding == encoding
    assert rows_of(table) == [(2, {"标题": "覆冰监测", "地区": "浙江省"})]


def test_csv_encoding_can_be_overridden(app):
    raw = "标题\n覆冰\n".encode("gbk")
    assert rows_of(read_table(raw, "x.csv", encoding="gbk")) == [(2, {"标题": "覆冰"})]
    with pytest.raises(FileProblem):
        read_table(raw, "x.csv", encoding="no-such-codec")


def test_jsonl_lines_and_bad_lines(app):
    table = read_table(b'{"title": "a", "keywords": ["x", "y"]}\n\n{"title": "b", "trl": 6}\n', "x.jsonl")
    assert table.headers == ["title", "keywords", "trl"]
    assert rows_of(table) == [(1, {"title": "a", "keywords": ["x", "y"]}), (3, {"title": "b", "trl": 6})]
    with pytest.raises(FileProblem, match="2"):
        read_table(b'{"title": "a"}\n{oops\n', "x.jsonl")
    with pytest.raises(FileProblem, match="1"):
        read_table(b'["not", "an", "object"]\n', "x.jsonl")


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "x.csv", "empty"),
    (b"a" * (1024 * 1024 + 1), "x.csv", "1 MB"),
    (b"abc", "x.xls", "xls"),
    ("标题,标题\n1,2\n".encode(), "x.csv", "标题"),
    ("标题,地区\n1,2,3\n".encode(), "x.csv", "2"),
    ("标题,,地区\n1,2,3\n".encode(), "x.csv", "B"),
    (b"PK not a zip", "x.xlsx", "XLSX"),
])
def test_bad_files_get_a_clear_reason(app, data, name, message):
    with pytest.raises(FileProblem, match=message):
        rows_of(read_table(data, name, limits=Limits(max_bytes=1024 * 1024)))


def test_row_and_cell_caps(app):
    data = openpyxl_file([["a", "b"], *[[i, i] for i in range(20)]])
    with pytest.raises(FileProblem):
        rows_of(read_table(data, "x.xlsx", limits=Limits(max_rows=10)))
    with pytest.raises(FileProblem):
        rows_of(read_table(data, "x.xlsx", limits=Limits(max_cells=15)))
    assert len(rows_of(read_table(data, "x.xlsx", limits=Limits(max_rows=20)))) == 20


def test_a_zip_bomb_is_refused_before_any_xml_is_parsed(app):
    good = openpyxl_file([["a"], ["b"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(item.filename, "w") as member:  # ~300 MB of one byte, streamed
                    chunk = b" " * (1024 * 1024)
                    for _ in range(300):
                        member.write(chunk)
            else:
                bomb.writestr(item, source.read(item.filename))
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    tracemalloc.start()
    with pytest.raises(FileProblem):
        read_table(data, "bomb.xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_an_xxe_attempt_is_refused_without_leaking_the_file(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42", encoding="utf-8")
    good = openpyxl_file([["标题"], ["x"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as evil:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>", b"", 1)
                doctype = f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
                body = doctype + body.replace(b"<v>", b"<v>&x;", 1)
            evil.writestr(item, body)
    with pytest.raises(FileProblem) as refused:
        rows_of(read_table(out.getvalue(), "evil.xlsx"))
    assert "TOP-SECRET-42" not in str(refused.value)


def _with_part_rewritten(data: bytes, name: str, rewrite) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, rewrite(body) if item.filename == name else body)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/styles.xml", "_rels/.rels", "xl/workbook.xml"])
def test_entity_expansion_in_any_part_is_refused(app, part):
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'

    def rewrite(body: bytes) -> bytes:
        return laughs + (body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body)

    data = _with_part_rewritten(openpyxl_file([["标题"], ["x"]]), part, rewrite)
    with pytest.raises(FileProblem, match="DTD"):
        rows_of(read_table(data, "laughs.xlsx"))


def test_a_comment_before_the_root_is_not_a_dtd(app):
    data = _with_part_rewritten(openpyxl_file([["标题"], ["一行"]]), "xl/worksheets/sheet1.xml",
                                lambda body: body.replace(b"?>", b"?><!-- <!DOCTYPE in a comment --><?pi x?>", 1))
    assert rows_of(read_table(data, "ok.xlsx")) == [(2, {"标题": "一行"})]


def test_rows_and_columns_keep_their_excel_numbers(app):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"] = "标题", "价格"
    sheet["A5"], sheet["B5"] = "第五行", 3
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), "x.xlsx")
    assert rows_of(table) == [(5, {"标题": "第五行", "价格": "3"})] and table.size_hint == 4

    book = openpyxl.Workbook()
    book.active["B1"], book.active["B2"] = "标题", "x"  # nothing in column A
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FileProblem, match="Column A has no header"):
        read_table(out.getvalue(), "x.xlsx")
