"""Re-extract messages.pot and write messages.po for zh_CN from tools/zh_CN_messages.py.

Run through `make messages`. Fails, listing them, if a message has no translation.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src/ecociv/web/locale"
sys.path.insert(0, str(ROOT / "tools"))

from zh_CN_messages import ZH_CN  # noqa: E402


def main() -> int:
    pot = LOCALE / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    fixed = datetime(2026, 1, 1, tzinfo=UTC)  # keeps the header stable between runs
    catalog = Catalog(
        locale="zh_CN",
        project="ecociv",
        version="1",
        domain="messages",
        fuzzy=False,
        creation_date=fixed,
        revision_date=fixed,
        copyright_holder="ecociv",
        msgid_bugs_address="",
        last_translator="ecociv",
        language_team="zh_CN",
        header_comment="# zh_CN messages of ecociv, written by tools/update_messages.py.",
    )
    missing = []
    for message in template:
        if not message.id:
            continue
        text = ZH_CN.get(str(message.id))
        if text is None:
            missing.append(str(message.id))
        catalog.add(message.id, text or "")
    target = LOCALE / "zh_CN/LC_MESSAGES/messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    for message_id in missing:
        print(f"untranslated: {message_id!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
