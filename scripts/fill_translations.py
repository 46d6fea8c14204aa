"""Merge msgid → translation pairs from a Python dict file into the zh_CN catalogue.

    python scripts/fill_translations.py NEW_TRANSLATIONS.py

Used when new messages are added: `make translations-update`, write the missing pairs into a
dict `T = {...}`, run this. Existing translations are overwritten only when the file names them.
"""
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "tt_platform/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def main(paths: list[str]) -> None:
    table: dict[str, str] = {}
    for path in paths:
        table.update(runpy.run_path(path)["T"])
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    for message in catalog:
        if message.id and message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=0, no_location=True, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(missing)} messages without translation")
    for mid in missing:
        print("  ", repr(mid))


if __name__ == "__main__":
    main(sys.argv[1:])
