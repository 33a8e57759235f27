"""The synthetic Quzhou monitoring demo: its sites, and a year of readings shaped so that the
pages have true things to show (a winter haze, summer ozone, gaps that validity rules reject,
a 劣V month, a soil point under strict control)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from ecociv import demo, demo_monitoring, monitoring, orgs
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.monitoring import ControlLevel, SiteKind
from ecociv.monitoring.model import SiteDraft
from ecociv.monitoring.rules import validate_site
from ecociv.standards.soil import farmland_class
from ecociv.standards.water import water_class
from tests.conftest import KECHENG, SYSTEM

COUNTIES = {"330802", "330803", "330822", "330824", "330825", "330881"}
LAND_USE = {"水田": "paddy", "旱地": "other", "果园": "orchard", "水旱轮作": "paddy_dry_rotation"}
CLASS_RANK = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6}


def demo_sites(kind: str) -> list[dict[str, str]]:
    return [r for r in demo_monitoring.demo_site_rows() if r["kind"] == kind]


# ---- sites --------------------------------------------------------------------------------


def test_every_demo_site_validates_inside_its_county(db: Database) -> None:
    with db.reading() as session:
        shapes = orgs.county_shapes_in(session)
    for row in demo_monitoring.demo_site_rows():
        draft = SiteDraft(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            county_code=row["county_code"],
            river=row["river"],
            control_level=row["control_level"],
            target_class=row["target_class"],
            river_chief=row["river_chief"],
            water_body=row["water_body"],
            land_use=row["land_use"],
            longitude=float(row["longitude"]),
            latitude=float(row["latitude"]),
            datum=row["datum"],
            is_synthetic=True,
        )
        site = validate_site(draft, shapes)
        assert site.county_code == row["county_code"] and site.longitude is not None
        assert row["synthetic"] == "true"


def test_the_demo_loads_every_site_marked_synthetic_and_a_second_load_adds_none(
    db: Database,
) -> None:
    sites = monitoring.list_sites(db, SYSTEM)
    assert sorted(s.code for s in sites) == sorted(
        r["code"] for r in demo_monitoring.demo_site_rows()
    )
    assert all(s.is_synthetic for s in sites)
    kinds = Counter(s.kind for s in sites)
    assert kinds == {
        SiteKind.WATER_SECTION: 24,
        SiteKind.DRINKING_WATER_SOURCE: 6,
        SiteKind.AIR_STATION: 8,
        SiteKind.SOIL_POINT: 30,
    }
    air = Counter(s.county_code for s in sites if s.kind is SiteKind.AIR_STATION)
    assert set(air) == COUNTIES and air[KECHENG] == 2
    sections = [s for s in sites if s.kind is SiteKind.WATER_SECTION]
    assert {s.control_level for s in sections} == set(ControlLevel)
    assert all(s.target_class in (1, 2, 3) and s.river for s in sections)
    assert 1 <= sum(s.water_body_value == "reservoir" for s in sections) <= 2
    assert all(s.river_chief.endswith("（演示）") for s in sections)
    assert all(s.land_use is not None for s in sites if s.kind is SiteKind.SOIL_POINT)
    assert demo_monitoring.load_monitoring_sites(db, SYSTEM) == 0
    assert len(monitoring.list_sites(db, SYSTEM)) == len(sites)


# ---- generation ---------------------------------------------------------------------------


def test_readings_are_the_same_for_a_seed_and_differ_for_another() -> None:
    first = demo_monitoring.generate_readings(seed=7)
    again = demo_monitoring.generate_readings(seed=7)
    other = demo_monitoring.generate_readings(seed=8)
    for medium in demo_monitoring.MEDIA:
        assert np.array_equal(first[medium].value, again[medium].value)
        assert np.array_equal(first[medium].observed_at, again[medium].observed_at)
        assert np.array_equal(first[medium].site_code, again[medium].site_code)
        assert not np.array_equal(first[medium].value, other[medium].value)


def test_generated_values_are_never_negative_and_plausible_in_magnitude() -> None:
    readings = demo_monitoring.generate_readings()
    bounds = {
        ("air", "pm25"): (1, 400),
        ("air", "pm10"): (2, 600),
        ("air", "o3"): (1, 350),
        ("air", "no2"): (1, 200),
        ("air", "so2"): (1, 100),
        ("air", "co"): (0.1, 5),
        ("water", "do"): (2, 15),
        ("water", "ph"): (6, 9),
        ("water", "wt"): (2, 35),
        ("water", "nh3n"): (0.01, 3),
        ("water", "hg"): (0, 0.0001),
        ("soil", "ph"): (4, 8.5),
        ("soil", "cd"): (0.02, 3),
    }
    for (medium, parameter), (low, high) in bounds.items():
        columns = readings[medium]
        values = columns.value[columns.parameter == parameter]
        assert values.size and low <= values.min() and values.max() <= high, parameter
    assert all((columns.value >= 0).all() for columns in readings.values())


# ---- the stored demo year -----------------------------------------------------------------


def test_every_demo_load_says_it_is_synthetic(demo_readings: ReadingsStore) -> None:
    loads = demo_readings.loads()
    assert {load["source"] for load in loads} == {
        "demo-synthetic-water-2025",
        "demo-synthetic-air-2025",
        "demo-synthetic-soil-2025",
    }
    assert all(load["applied"] and load["rejected"] == 0 for load in loads)


def test_loading_the_demo_readings_again_changes_nothing(demo_readings: ReadingsStore) -> None:
    before = demo_readings.count()
    assert before > 400_000
    assert demo.load_demo_readings(demo_readings, SYSTEM) is None
    assert len(demo_readings.loads()) == 3
    again = demo_monitoring.load_monitoring_readings(demo_readings, "again")
    assert (again.inserted, again.replaced) == (0, 0)
    assert again.unchanged == again.rows_in == before
    assert demo_readings.count() == before


def test_a_lost_medium_is_loaded_on_the_next_demo_run(tmp_path: Path) -> None:
    store = ReadingsStore(tmp_path / "readings.duckdb")
    demo_monitoring.load_monitoring_readings(store, "first", media=["water"])
    result = demo.load_demo_readings(store, SYSTEM)
    assert result is not None and set(result.loads) == {"air", "soil"}
    assert demo.load_demo_readings(store, SYSTEM) is None


def test_a_winter_haze_has_valid_days_with_pm25_above_115(demo_readings: ReadingsStore) -> None:
    daily = monitoring.daily_means(demo_readings, SYSTEM, parameter="pm25")
    haze = [d for d in daily if d.mean > 115 and d.hours >= 20]
    assert haze and all(d.day_on.month in (1, 2, 3, 11, 12) for d in haze)
    stations = Counter(d.day_on for d in haze)
    run = [date(2025, 1, day) for day in (14, 15, 16, 17)]
    assert all(stations[day] >= 4 for day in run)  # regional: half the stations or more
    for day in run:
        means = [d.mean for d in daily if d.day_on == day]
        assert len(means) == 8 and sum(means) / 8 > 115  # and the station average too


def test_pm25_is_high_in_winter_and_low_in_summer(demo_readings: ReadingsStore) -> None:
    monthly = {
        (m.site_code, m.month): m.mean
        for m in monitoring.monthly_means(demo_readings, SYSTEM, parameter="pm25")
    }
    for site in ("QZA01", "QZA02"):
        assert all(40 <= monthly[(site, month)] <= 90 for month in (1, 2, 12))
        assert all(10 <= monthly[(site, month)] <= 25 for month in (6, 7, 8))


def test_some_days_miss_hours_and_some_miss_entirely(demo_readings: ReadingsStore) -> None:
    daily = monitoring.daily_means(demo_readings, SYSTEM, parameter="pm25")
    assert any(0 < d.hours < 24 for d in daily)
    assert any(d.hours < 20 for d in daily)  # too few hours for a valid daily value
    days = Counter(d.site_code for d in daily)
    assert len(days) == 8 and min(days.values()) < 365 <= max(days.values())
    ozone_days = Counter(
        d.site_code for d in monitoring.daily_means(demo_readings, SYSTEM, parameter="o3")
    )
    assert ozone_days != days  # one analyser was down while the station ran


def test_ozone_daily_max_8h_mean_exceeds_160_on_some_warm_days(
    demo_readings: ReadingsStore,
) -> None:
    hourly = demo_readings.hourly(["QZA01"], ["o3"])
    values: dict[date, dict[int, float]] = defaultdict(dict)
    for _site, _parameter, local_hour, mean, _n in hourly:
        values[local_hour.date()][local_hour.hour] = mean
    exceeding = []
    for day, hours in values.items():
        grid = np.array([hours.get(h, np.nan) for h in range(24)])
        windows = [grid[start : start + 8] for start in range(17)]
        means = [w[~np.isnan(w)].mean() for w in windows if (~np.isnan(w)).sum() >= 6]
        if means and max(means) > 160:
            exceeding.append(day)
    assert 2 <= len(exceeding) <= 40
    assert all(4 <= day.month <= 10 for day in exceeding)
    peak_hours = Counter(max(h, key=h.__getitem__) for h in values.values() if len(h) == 24)
    assert peak_hours.most_common(1)[0][0] in range(12, 17)  # afternoon peaks


def _water_classes(store: ReadingsStore) -> dict[str, list[tuple[int, str, tuple[str, ...]]]]:
    """(month, class label, deciding items) of every sample at every demo water site."""
    out = {}
    for row in demo_sites("water_section") + demo_sites("drinking_water_source"):
        samples: dict[int, dict[str, float]] = defaultdict(dict)
        for _site, parameter, observed_at, value, flag, _load in store.readings(row["code"]):
            assert flag == ""
            samples[observed_at.month][parameter] = value
        months = sorted(samples)
        items = {p for s in samples.values() for p in s}
        result = water_class(
            {p: [samples[m].get(p, np.nan) for m in months] for p in items},
            water_body="reservoir" if row["water_body"] == "水库" else "river",
        )
        out[row["code"]] = list(
            zip(months, result.labels.tolist(), result.deciding_items.tolist(), strict=True)
        )
    return out


def test_water_is_mostly_class_ii_to_iii_with_a_bad_month_and_a_summer_iv(
    demo_readings: ReadingsStore,
) -> None:
    classes = _water_classes(demo_readings)
    assert all(len(samples) == 12 for samples in classes.values())
    labels = Counter(label for samples in classes.values() for _m, label, _d in samples)
    assert (labels["II"] + labels["III"]) / sum(labels.values()) >= 0.85
    worst = [(code, m, d) for code, s in classes.items() for m, label, d in s if label == "劣V"]
    assert worst == [("QZW15", 6, ("nh3n",))]
    boundary = {r["code"] for r in demo_sites("water_section") if r["control_level"] == "交接断面"}
    assert worst[0][0] in boundary
    tp_iv = [
        (code, m) for code, s in classes.items() for m, label, d in s if label == "IV" and "tp" in d
    ]
    assert tp_iv and all(m in (6, 7, 8, 9) for _code, m in tp_iv)
    targets = {r["code"]: CLASS_RANK[r["target_class"]] for r in demo_sites("water_section")}
    met = [CLASS_RANK[label] <= targets[c] for c in targets for _m, label, _d in classes[c]]
    assert sum(met) / len(met) >= 0.85


def test_soil_is_mostly_below_screening_with_one_point_under_strict_control(
    demo_readings: ReadingsStore,
) -> None:
    points = demo_sites("soil_point")
    values: dict[str, list[float]] = defaultdict(list)
    for point in points:
        stored = {p: v for _s, p, _t, v, _f, _l in demo_readings.readings(point["code"])}
        assert set(stored) == set(demo_monitoring.SOIL_PARAMETERS)
        for parameter, value in stored.items():
            values[parameter].append(value)
    ph = values.pop("ph")
    result = farmland_class(values, ph, land_use=[LAND_USE[p["land_use"]] for p in points])
    labels = Counter(result.labels.tolist())
    assert labels["严格管控"] == 1 and 2 <= labels["安全利用"] <= 5
    assert labels["优先保护"] >= 24
    strict = result.labels.tolist().index("严格管控")
    assert points[strict]["land_use"] == "水田" and ph[strict] <= 5.5
    assert result.monitoring_needed.any()  # the orchard's copper: screening only


@pytest.mark.parametrize("medium", demo_monitoring.MEDIA)
def test_every_reading_is_stamped_in_the_demo_year(medium: str) -> None:
    columns = demo_monitoring.generate_readings()[medium]
    local = columns.observed_at + np.timedelta64(8, "h")
    years = local.astype("datetime64[Y]").astype(int) + 1970
    assert set(years.tolist()) == {2025}
