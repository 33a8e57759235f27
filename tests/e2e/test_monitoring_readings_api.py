"""Readings through the API: the bulk JSON batch, file uploads (CSV and .xlsx with Chinese
column names), the load record, and the water and soil verdicts computed from them."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from tests.e2e.test_monitoring import bearer
from tests.integration.monitoring.test_sites import site_rows

SECTION = "QZ-W-01"  # a class II target section in 柯城区 (see site_rows)


def setup_sites(client: TestClient, db: Database) -> dict[str, str]:
    headers = bearer(db, "cityoffice")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    rows = site_rows(db)
    columns = [
        "code",
        "name",
        "kind",
        "county_code",
        "river",
        "control_level",
        "target_class",
        "river_chief",
        "longitude",
        "latitude",
    ]
    chinese = [
        "点位编码",
        "点位名称",
        "点位类型",
        "县（市、区）代码",
        "河流",
        "断面级别",
        "目标水质类别",
        "河长",
        "经度",
        "纬度",
    ]
    sheet.append(chinese)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    sheet.append(
        ["QZ-S-01", "柯城区土壤点一", "土壤点位", rows[0]["county_code"], "", "", "", "", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    upload = {"file": ("sites.xlsx", buffer.getvalue(), "application/octet-stream")}
    response = client.post("/api/v1/monitoring/sites/import", headers=headers, files=upload)
    # the soil point lacks its land use: the whole workbook is refused, naming row 4
    assert response.status_code == 422, response.text
    assert "row 4: land_use" in response.text
    sheet.cell(row=4, column=11, value="水田")
    sheet.cell(row=1, column=11, value="用地类型")
    buffer = io.BytesIO()
    book.save(buffer)
    upload = {"file": ("sites.xlsx", buffer.getvalue(), "application/octet-stream")}
    response = client.post("/api/v1/monitoring/sites/import", headers=headers, files=upload)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3
    return headers


def store_of(client: TestClient) -> ReadingsStore:
    store: ReadingsStore = client.app.state.readings  # type: ignore[attr-defined]
    return store


def batch(*readings: tuple[str, str, str, object], partial: bool = False) -> dict[str, object]:
    return {
        "source": "lab-2025-07",
        "accept_partial": partial,
        "readings": [
            {"site_code": s, "parameter": p, "observed_at": t, "value": v}
            for s, p, t, v in readings
        ],
    }


GOOD = [
    (SECTION, "nh3n", "2025-07-10T10:00:00+08:00", 1.5),
    (SECTION, "tp", "2025-07-10T10:00:00+08:00", 0.08),
    (SECTION, "do", "2025-07-10T10:00:00+08:00", 6.5),
]


def test_a_batch_with_a_bad_reading_stores_nothing_and_names_it(
    client: TestClient, db: Database
) -> None:
    headers = setup_sites(client, db)
    bad = (SECTION, "codmn", "2025-07-40T10:00", 3.0)
    response = client.post("/api/v1/monitoring/readings", json=batch(*GOOD, bad), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["applied"] is False and body["inserted"] == 0 and body["rejected"] == 1
    assert body["rejects"][0]["row_number"] == 4 and body["rejects"][0]["field"] == "observed_at"
    assert store_of(client).count() == 0
    rejects = client.get(f"/api/v1/monitoring/loads/{body['load_id']}/rejects", headers=headers)
    assert [r["row_number"] for r in rejects.json()] == [4]

    partial = client.post(
        "/api/v1/monitoring/readings", json=batch(*GOOD, bad, partial=True), headers=headers
    ).json()
    assert (partial["applied"], partial["inserted"], partial["rejected"]) == (True, 3, 1)
    again = client.post("/api/v1/monitoring/readings", json=batch(*GOOD), headers=headers).json()
    assert (again["inserted"], again["unchanged"], again["replaced"]) == (0, 3, 0)
    assert store_of(client).count() == 3
    loads = client.get("/api/v1/monitoring/loads", headers=headers).json()
    assert [load["applied"] for load in loads] == [True, True, False]


def test_a_county_officer_may_not_post_readings(client: TestClient, db: Database) -> None:
    setup_sites(client, db)
    response = client.post(
        "/api/v1/monitoring/readings", json=batch(*GOOD), headers=bearer(db, "kecheng")
    )
    assert response.status_code == 403
    assert store_of(client).count() == 0


def test_an_xlsx_of_readings_with_chinese_columns_and_date_cells_loads(
    client: TestClient, db: Database
) -> None:
    from datetime import datetime

    at = datetime(2025, 7, 10, 10)  # noqa: DTZ001 - an Excel cell has no zone: Beijing time
    headers = setup_sites(client, db)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["点位编码", "监测项目", "监测时间", "监测值"])
    sheet.append([SECTION, "nh3n", at, 1.5])
    sheet.append([SECTION, "tp", at, "0.08"])
    sheet.append([SECTION, "do", at, "abc"])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("july.xlsx", buffer.getvalue(), "application/octet-stream")}
    refused = client.post("/api/v1/monitoring/readings/import", headers=headers, files=files)
    assert refused.json()["rejects"][0]["row_number"] == 4  # the sheet's own row number
    assert refused.json()["rejects"][0]["field"] == "value"
    loaded = client.post(
        "/api/v1/monitoring/readings/import?accept_partial=true", headers=headers, files=files
    ).json()
    assert loaded["inserted"] == 2
    stored = store_of(client).readings(SECTION)
    # 10:00 Beijing time is 02:00 UTC
    assert [(p, t.hour, v) for _s, p, t, v, _f, _l in stored] == [("nh3n", 2, 1.5), ("tp", 2, 0.08)]


def test_verdicts_follow_the_stored_readings(client: TestClient, db: Database) -> None:
    headers = setup_sites(client, db)
    readings = [
        *GOOD,
        (SECTION, "nh3n", "2025-08-10T10:00:00+08:00", 0.3),
        (SECTION, "tp", "2025-08-10T10:00:00+08:00", 0.05),
        (SECTION, "do", "2025-08-10T10:00:00+08:00", 7.0),
        ("QZ-S-01", "cd", "2025-05-01T09:00:00+08:00", 0.45),
        ("QZ-S-01", "ph", "2025-05-01T09:00:00+08:00", 5.2),
    ]
    response = client.post("/api/v1/monitoring/readings", json=batch(*readings), headers=headers)
    assert response.json()["inserted"] == 8

    july = client.get("/api/v1/monitoring/water/sections", params={"period": "2025-07"}).json()
    mine = next(r for r in july if r["site"]["code"] == SECTION)["verdict"]
    assert (mine["label"], mine["attains"], mine["target_class"]) == ("IV", False, 2)
    assert [(e["item"], round(e["multiple"], 6)) for e in mine["over_target"]] == [("nh3n", 2.0)]

    trend = client.get(
        f"/api/v1/monitoring/water/sections/{SECTION}/trend", params={"year": 2025}
    ).json()
    assert [m["label"] for m in trend["months"]][6:8] == ["IV", "II"]
    # the year: NH3-N mean 0.9 (III), TP 0.065 (III), DO 6.75 (II) → III
    assert trend["annual"]["label"] == "III" and trend["annual"]["samples"] == 2
    assert trend["site"]["river_chief"] == "某河长"

    summary = client.get(
        "/api/v1/monitoring/water/summary", params={"period": "2025", "by": "river"}
    ).json()
    river = next(g for g in summary if g["key"] == "衢江")
    assert river["judged"] >= 1 and river["class_counts"].get("III", 0) >= 1

    soil = client.get("/api/v1/monitoring/soil/points").json()
    point = next(r for r in soil if r["site"]["code"] == "QZ-S-01")
    assert point["verdict"]["label"] == "安全利用" and point["sampled_on"] == "2025-05-01"
    bad = client.get("/api/v1/monitoring/water/sections", params={"period": "2025-13"})
    assert bad.status_code == 422 and "period" in bad.text
    figures = client.get("/api/v1/monitoring/indicators", params={"year": 2025}).json()
    kecheng = {
        (f["indicator_code"], f["measure_zh"]): f["value"] for f in figures if f["area"] == "柯城区"
    }
    assert kecheng[("N2019-08", "水质达到或优于Ⅲ类比例")] == 100.0
    assert kecheng[("N2019-08", "劣Ⅴ类水体比例")] == 0.0
    assert kecheng[("QZ-005", "耕地土壤点位：安全利用")] == 1.0


def test_air_days_ranking_and_annual_from_hourly_readings(client: TestClient, db: Database) -> None:
    headers = setup_sites(client, db)
    hourly = {"so2": 8.0, "no2": 30.0, "pm10": 60.0, "co": 0.8, "o3": 90.0}
    readings = []
    for day, pm25 in ((1, 40.0), (2, 120.0)):
        for hour in range(24):
            at = f"2025-01-0{day}T{hour:02d}:00:00+08:00"
            readings += [("QZ-A-01", p, at, v) for p, v in hourly.items()]
            readings.append(("QZ-A-01", "pm25", at, pm25))
    readings.pop()  # the last hour of 2 January has no PM2.5: 23 hours still make a day
    response = client.post("/api/v1/monitoring/readings", json=batch(*readings), headers=headers)
    assert response.json()["inserted"] == len(readings)

    station = client.get(
        "/api/v1/monitoring/air/stations/QZ-A-01/days",
        params={"start": "2025-01-01", "end": "2025-01-03"},
    ).json()
    assert [d["day_on"] for d in station] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    first, second, third = station
    # PM2.5 24-h 40 µg/m3 → IAQI 57 (35–75 ↔ 50–100); 120 → IAQI 158 (115–150 ↔ 150–200)
    assert (first["aqi"], first["primary_pollutants"]) == (57, ["pm25_24h"])
    assert (second["aqi"], second["category_zh"], second["good"]) == (158, "中度污染", False)
    assert second["hours"]["pm25_24h"] == 23 and second["standard"] == "HJ 633-2012"
    assert third["aqi"] is None and third["values"]["pm25_24h"] is None

    county = client.get(
        "/api/v1/monitoring/air/days",
        params={"start": "2025-01-01", "end": "2025-01-02", "county_code": "330881"},
    ).json()
    assert [d["aqi"] for d in county] == [57, 158]
    ranking = client.get(
        "/api/v1/monitoring/air/ranking", params={"start": "2025-01-01", "end": "2025-01-02"}
    ).json()
    assert len(ranking) == 6 and ranking[0]["county_name_zh"] == "江山市"
    assert ranking[0]["good_day_ratio"] == 0.5 and ranking[0]["rank"] == 1
    annual = client.get("/api/v1/monitoring/air/annual", params={"year": 2025}).json()
    # two days are far from the 324 valid days a year needs: nothing can be judged
    assert annual["attains"] is None and annual["good_days"] == 1
    figures = client.get("/api/v1/monitoring/indicators", params={"year": 2025}).json()
    ratio = next(
        f for f in figures if f["area"] == "江山市" and f["measure_zh"].startswith("环境空气")
    )
    assert ratio["value"] == 50.0
