"""Chinese first: every UI message has a zh_CN translation in the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "src/ecociv/web/locale/zh_CN/LC_MESSAGES/messages.po"


def extracted() -> set[str]:
    method_map = [("src/**.py", "python"), ("src/**/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_every_message_in_the_code_is_translated_to_chinese() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {str(m.id) for m in catalog if m.id and m.string}
    missing = sorted(extracted() - translated)
    assert missing == [], "run `make messages` and add the zh_CN text in tools/zh_CN_messages.py"


def test_catalogue_has_no_fuzzy_entries() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
