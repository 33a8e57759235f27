"""The VOCs / catering programme on the pages of the plan targets it informs (QZ-019, QZ-025):
a key VOCs enterprise counts as connected once its device has reported within 24 hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from ecociv import sources
from ecociv.adapters.db import Database
from ecociv.sources.demo import load_sources_demo
from tests.conftest import SYSTEM, sign_in


def city_value(html: str, measure: str) -> str:
    panel = html.split('id="monitoring-figures"', 1)[1].split("</section>", 1)[0]
    found = re.search(
        rf"<tr><td>衢州市</td><td>{re.escape(measure)}</td>\s*<td class=\"num\">([^<]+)</td>",
        panel,
    )
    assert found, panel
    return found.group(1).strip()


def test_a_reporting_device_connects_its_key_vocs_enterprise(
    client: TestClient, db: Database
) -> None:
    load_sources_demo(db, SYSTEM)
    sign_in(client, "cityoffice")
    measure = "VOCs 重点企业在线监控联网率"
    assert city_value(client.get("/indicators/QZ-019").text, measure) == "0.0 %"
    sources.record_device_activity(db, "SYN33080200004", {"frames_ok": 1}, datetime.now(UTC))
    connected = city_value(client.get("/indicators/QZ-019").text, measure)
    assert connected != "0.0 %" and connected.endswith(" %")
    catering = city_value(client.get("/indicators/QZ-025").text, "已联网的餐饮油烟自动监测点")
    assert catering == "0.0 个"  # no restaurant device has reported


def test_the_public_sees_no_programme_figures(client: TestClient, db: Database) -> None:
    load_sources_demo(db, SYSTEM)
    response = client.get("/indicators/QZ-019", follow_redirects=False)
    assert response.status_code in (303, 401)
