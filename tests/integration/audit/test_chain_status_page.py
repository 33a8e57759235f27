"""The /audit page shows the last signed checkpoint and whether the log still reaches it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from ecociv.adapters.db import Database
from ecociv.audit import write_checkpoint
from ecociv.audit.tables import AuditRow
from ecociv.config import Settings
from tests.conftest import sign_in


def status(client: TestClient) -> str:
    page = client.get("/audit")
    assert page.status_code == 200
    found = re.search(r'<p class="note" id="audit-chain-status">(.*?)</p>', page.text, re.S)
    assert found, page.text
    return found.group(1)


def test_the_log_page_shows_the_checkpoint_and_a_cut_tail(
    client: TestClient, db: Database, settings: Settings
) -> None:
    sign_in(client, "inspector")
    assert "ecociv audit checkpoint" in status(client)  # none yet
    assert settings.audit_checkpoint_file is not None
    mark = write_checkpoint(db, settings.audit_checkpoint_file).checkpoint
    shown = status(client)
    assert shown.count(str(mark.seq)) >= 2  # the checkpoint's entry and the log's last one
    assert "<strong>" not in shown

    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": mark.seq})
    with db.reading() as session:
        assert session.scalar(select(func.max(AuditRow.seq))) == mark.seq - 1
    shown = status(client)
    assert "<strong>" in shown and f"recorded head seq={mark.seq}" in shown
