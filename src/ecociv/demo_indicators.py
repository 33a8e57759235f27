"""Synthetic annual reports 2017–2023 for the six counties and the reporting departments.

Every report is entered through the real services (save → submit → approve → accept), with
timestamps from a fixed clock, so the demo exercises the same rules as real use. The values
are invented (seeded, reproducible) and every report is labelled synthetic; some are late,
returned, missing or off track so that every page has something true to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ecociv import indicators, orgs
from ecociv.adapters.db import Database
from ecociv.indicators import FormKind, ReportAction, ReportRef, ReportState
from ecociv.kernel import Actor, Role

YEARS = range(2017, 2024)
SEED = 20200416
CITY_OFFICE = Actor("cityoffice", Role.CITY_OFFICE, request_id="demo")

#: Forest share of land, plain share, coal (万吨) and hazardous waste (t) per county in 2017,
#: invented around the order of magnitude of each county (synthetic).
PROFILE = {
    "330802": {"forest": 0.50, "plain": 0.35, "coal": 390.0, "hw": 180000.0, "trend": 0.004},
    "330803": {"forest": 0.655, "plain": 0.30, "coal": 60.0, "hw": 22000.0, "trend": -0.002},
    "330822": {"forest": 0.70, "plain": 0.0, "coal": 45.0, "hw": 9000.0, "trend": 0.003},
    "330824": {"forest": 0.80, "plain": 0.0, "coal": 18.0, "hw": 4000.0, "trend": 0.002},
    "330825": {"forest": 0.55, "plain": 0.40, "coal": 70.0, "hw": 30000.0, "trend": 0.003},
    "330881": {"forest": 0.68, "plain": 0.25, "coal": 52.0, "hw": 12000.0, "trend": 0.004},
}
STATES = ("未开展", "开展", "基本建成", "建成")


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True, slots=True)
class Plan2023:
    """What happens to each county's 2023 report (the demo's "current" year)."""

    final: ReportState
    late_days: int = 0
    reason: str = ""


PLAN_2023 = {
    "330802": Plan2023(ReportState.ACCEPTED),
    "330803": Plan2023(
        ReportState.RETURNED, reason="森林面积与自然资源部门统计不一致，请核实后重报（合成演示）"
    ),
    "330822": Plan2023(ReportState.SUBMITTED, late_days=12),
    "330824": Plan2023(ReportState.APPROVED),
    "330825": Plan2023(ReportState.DRAFT),
    "330881": Plan2023(ReportState.ACCEPTED, late_days=20),
}


def _state_at(year: int, reached: dict[int, str]) -> str:
    state = "未开展"
    for since, value in sorted(reached.items()):
        if year >= since:
            state = value
    return state


def county_values(
    code: str, year: int, land_km2: float, rng: random.Random
) -> tuple[dict[str, Any], dict[str, str]]:
    """One county's synthetic values for a year, and the comments they need."""
    p = PROFILE[code]
    t = year - 2017
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    land = round(land_km2, 1)
    values["land_area_km2"] = land
    values["forest_area_km2"] = round(
        land * (p["forest"] + p["trend"] * t + rng.uniform(-0.001, 0.001)), 1
    )
    if p["plain"]:
        plain = round(land * p["plain"], 1)
        values["plain_area_km2"] = plain
        values["plain_tree_area_km2"] = round(plain * (0.175 + 0.006 * t), 1)
    generated = round(p["hw"] * (1 + 0.03 * t), 0)
    values["hw_generated_t"] = generated
    harmless = 0.995 + 0.001 * t
    if code == "330824" and year == 2021:
        harmless = 0.98  # 开化 falls short in the target year (synthetic)
    values["hw_harmless_t"] = round(generated * min(harmless, 1.0), 0)
    key = 10 + int(code[-2:]) % 7 * 6
    values["vocs_key_count"] = key
    share = min(1.0, 0.35 + 0.17 * t) if code != "330825" else min(0.9, 0.3 + 0.12 * t)
    values["vocs_online_count"] = round(key * share)
    for prefix, total, start, step in (
        ("coach", 500, 0.05, 0.025),
        ("bus", 200, 0.2, 0.05),
        ("taxi", 300, 0.4, 0.06),
    ):
        count = total + int(code[-2:]) * 7
        values[f"{prefix}_count"] = count
        values[f"green_{prefix}_count"] = round(count * min(0.95, start + step * t))
    cadres = 260 + int(code[-2:]) * 3
    values["all_cadres"] = cadres
    values["trained_cadres"] = round(cadres * min(1.0, 0.86 + 0.03 * t))
    spending = 500000 + int(code[-2:]) * 9000 + 30000 * t
    values["total_spending_10k_yuan"] = spending
    values["eco_spending_10k_yuan"] = round(spending * (0.031 + 0.002 * t), 0)
    coal_change = 1.01 if code == "330803" else 0.97
    values["coal_10kt"] = round(p["coal"] * coal_change**t, 1)
    parks = 1 + (1 if t >= 3 else 0) + (1 if code in ("330824", "330822") and t >= 4 else 0)
    values["wetland_parks"] = parks
    if (
        parks
        != 1 + (1 if t - 1 >= 3 else 0) + (1 if code in ("330824", "330822") and t - 1 >= 4 else 0)
        and t > 0
    ):
        comments["wetland_parks"] = "本年新增湿地公园（合成演示）"
    values["lake_chief_state"] = _state_at(year, {2017: "开展", 2019: "建成"})
    values["waste_sorting_state"] = _state_at(year, {2017: "开展", 2021: "基本建成"})
    values["eco_plan_state"] = _state_at(
        year, {2017: "开展", 2019 if code != "330825" else 2021: "建成"}
    )
    if code == "330881" and year == 2019:
        values["eco_spending_10k_yuan"] = None
        comments["eco_spending_10k_yuan"] = "财政统计口径调整，本年无分项数据（合成演示）"
    return values, comments


def department_values(
    department: str, year: int, county_totals: dict[str, float]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A department's synthetic city-level values for a year."""
    t = year - 2017
    if department == "leading_group_office":
        return {"joint_meetings": 1 if year == 2018 else 2 + (t % 2)}, {}
    if department == "water":
        return {"irrigation_coefficient": round(0.512 + 0.004 * t, 3)}, {}
    if department == "ecology_environment":
        return {
            "soil_baseline_state": _state_at(year, {2018: "开展", 2021: "基本建成"}),
            "hw_it_state": _state_at(year, {2019: "开展", 2023: "基本建成"}),
            "water_map_state": _state_at(year, {2019: "开展", 2021: "建成"}),
        }, {}
    return {
        "city_forest_area_km2": round(county_totals["forest_area_km2"], 1),
        "city_land_area_km2": round(county_totals["land_area_km2"], 1),
    }, {}


def _actors(ref: ReportRef) -> tuple[Actor, Actor]:
    if ref.form is FormKind.COUNTY:
        base = {"role": Role.COUNTY_OFFICER, "county_code": ref.org_unit_code}
        name = f"county{ref.org_unit_code[-2:]}"
    else:
        base = {"role": Role.DEPARTMENT_OFFICER, "department_code": ref.department_code}
        name = ref.department_code
    reporter = Actor(f"{name}-填报（合成）", request_id="demo", **base)  # type: ignore[arg-type]
    head = Actor(f"{name}-负责人（合成）", request_id="demo", is_head=True, **base)  # type: ignore[arg-type]
    return reporter, head


def _run(
    db: Database,
    ref: ReportRef,
    values: dict[str, Any],
    comments: dict[str, str],
    final: ReportState,
    *,
    late_days: int = 0,
    reason: str = "",
    returned_once: bool = False,
) -> None:
    reporter, head = _actors(ref)
    due = datetime(ref.year + 1, 3, 31, 2, 0, tzinfo=UTC)
    # on time: three weeks before the deadline; late: that many days after it
    at = due + timedelta(days=late_days) if late_days else due - timedelta(days=20)
    clock = FixedClock(at)
    view = indicators.open_report(db, reporter, ref, clock=clock)
    with db.transaction() as session:
        indicators.mark_synthetic(session, view.id)
    expected = {e.code for e in view.elements}
    comments = dict(comments)
    for code, before in view.previous.items():
        now = values.get(code)
        if (
            isinstance(before, float)
            and before > 0
            and isinstance(now, int | float)
            and abs(now - before) / before > 0.3
            and code not in comments
        ):
            comments[code] = "较上年变化较大：统计范围调整或新增项目（合成演示）"
    indicators.save_values(
        db,
        reporter,
        view.id,
        {k: v for k, v in values.items() if k in expected},
        {k: v for k, v in comments.items() if k in expected},
        clock=clock,
    )
    if final is ReportState.DRAFT:
        return
    indicators.act_on_report(db, reporter, view.id, ReportAction.SUBMIT, clock=clock)
    if returned_once:
        clock.at += timedelta(days=2)
        indicators.act_on_report(
            db,
            head,
            view.id,
            ReportAction.RETURN,
            clock=clock,
            reason="请补充证明材料说明（合成演示）",
        )
        clock.at += timedelta(days=1)
        indicators.act_on_report(db, reporter, view.id, ReportAction.SUBMIT, clock=clock)
    if final is ReportState.SUBMITTED:
        return
    clock.at += timedelta(days=3)
    indicators.act_on_report(db, head, view.id, ReportAction.APPROVE, clock=clock)
    if final is ReportState.APPROVED:
        return
    clock.at += timedelta(days=5)
    if final is ReportState.RETURNED:
        indicators.act_on_report(
            db, CITY_OFFICE, view.id, ReportAction.RETURN, clock=clock, reason=reason
        )
        return
    indicators.act_on_report(db, CITY_OFFICE, view.id, ReportAction.ACCEPT, clock=clock)


def load_indicator_demo(db: Database, actor: Actor) -> int:
    """Enter the synthetic reports once; returns how many were made (0 if already there)."""
    if indicators.list_reports(db, actor):
        return 0
    rng = random.Random(SEED)
    units = {u.code: u for u in orgs.list_org_units(db, actor)}
    departments = ["leading_group_office", "water", "ecology_environment", "natural_resources"]
    made = 0
    for year in YEARS:
        totals = {"forest_area_km2": 0.0, "land_area_km2": 0.0}
        for code in PROFILE:
            values, comments = county_values(code, year, units[code].area_km2 or 0.0, rng)
            totals["forest_area_km2"] += values["forest_area_km2"]
            totals["land_area_km2"] += values["land_area_km2"]
            plan = (
                PLAN_2023[code]
                if year == 2023
                else Plan2023(
                    ReportState.ACCEPTED, late_days=15 if (code, year) == ("330822", 2020) else 0
                )
            )
            _run(
                db,
                ReportRef(FormKind.COUNTY, code, "", year),
                values,
                comments,
                plan.final,
                late_days=plan.late_days,
                reason=plan.reason,
                returned_once=(code, year) == ("330825", 2022),
            )
            made += 1
        for department in departments:
            if year == 2023 and department == "natural_resources":
                continue  # not yet reported (synthetic): the completeness page shows it
            values, comments = department_values(department, year, totals)
            _run(
                db,
                ReportRef(FormKind.DEPARTMENT, orgs.CITY_CODE, department, year),
                values,
                comments,
                ReportState.ACCEPTED,
            )
            made += 1
    return made


#: A synthetic decomposition of the city's forest-cover target (69.85 % by 2022) to counties.
FOREST_DECOMPOSITION = {
    "330802": 52.0,
    "330803": 66.0,
    "330822": 71.0,
    "330824": 80.5,
    "330825": 57.0,
    "330881": 70.0,
}


def _indicator_item(
    code: str, name: str, kind: str, full: float, indicator: str, **params: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "full_marks": full,
        "params": {"source": "indicator", "indicator": indicator, **params},
    }


def county_scheme_items() -> list[dict[str, Any]]:
    """A demonstration task book for the counties using every rule kind (synthetic)."""
    return [
        _indicator_item(
            "forest",
            "森林覆盖率达到分解目标",
            "gap_deduction",
            15,
            "QZ-036",
            comparator="ge",
            per_unit=3,
            unit="个百分点",
        ),
        _indicator_item("hw", "危险废物利用处置无害化率 100%", "binary", 10, "QZ-031"),
        _indicator_item(
            "lake",
            "湖长制建立健全",
            "state_ladder",
            10,
            "QZ-016",
            ladder={"建成": 1, "基本建成": 0.6, "开展": 0.3},
        ),
        _indicator_item(
            "vocs", "重点企业 VOCs 在线监控安装率", "ratio_to_target", 10, "QZ-019", comparator="ge"
        ),
        _indicator_item(
            "training", "领导干部生态文明培训参训率（县际比较）", "min_max", 10, "QZ-053"
        ),
        _indicator_item(
            "coal",
            "煤炭消费总量控制（较 2017 年下降 10%）",
            "gap_deduction",
            10,
            "QZ-013",
            comparator="le",
            per_unit=1,
            unit="万吨",
        ),
        {
            "code": "water_section",
            "name": "跨行政区域河流交接断面水质",
            "kind": "grade_mapping",
            "full_marks": 15,
            "params": {"grades": {"Ⅰ类": 15, "Ⅱ类": 15, "Ⅲ类": 10, "Ⅳ类": 5, "Ⅴ类": 0, "劣Ⅴ类": 0}},
        },
        {
            "code": "incidents",
            "name": "生态环境问题（每起扣 5 分）",
            "kind": "event_deduction",
            "full_marks": 10,
            "params": {"per_event": 5},
        },
        {
            "code": "on_time",
            "name": "年度数据按时报送",
            "kind": "binary",
            "full_marks": 10,
            "params": {"source": "on_time"},
        },
        {
            "code": "innovation",
            "name": "创新举措加分（每项 2 分，最多 5 分）",
            "kind": "bonus",
            "full_marks": 0,
            "params": {"per_event": 2, "cap": 5},
        },
        {
            "code": "veto",
            "name": "发生重特大生态环境事件（一票否决）",
            "kind": "veto",
            "full_marks": 0,
            "params": {},
        },
        {
            "code": "inspection",
            "name": "被中央生态环境保护督察通报（等次不高于良好）",
            "kind": "grade_cap",
            "full_marks": 0,
            "params": {"cap": "良好"},
        },
    ]


def department_scheme_items() -> list[dict[str, Any]]:
    """A demonstration task book for municipal departments (synthetic)."""
    return [
        {
            "code": "on_time",
            "name": "年度数据按时报送",
            "kind": "binary",
            "full_marks": 40,
            "params": {"source": "on_time"},
        },
        {
            "code": "attained",
            "name": "牵头指标达标比例",
            "kind": "ratio_to_target",
            "full_marks": 60,
            "params": {"source": "attained_share", "comparator": "ge"},
        },
        {
            "code": "innovation",
            "name": "创新举措加分",
            "kind": "bonus",
            "full_marks": 0,
            "params": {"per_event": 2, "cap": 5},
        },
    ]


#: Facts recorded by the city office for the demonstration task books (synthetic).
COUNTY_FACTS: dict[str, dict[str, Any]] = {
    "water_section": {
        "330802": "Ⅱ类",
        "330803": "Ⅲ类",
        "330822": "Ⅱ类",
        "330824": "Ⅰ类",
        "330825": "Ⅲ类",
        "330881": "Ⅱ类",
    },
    "incidents": {"330803": 1, "330825": 2},
    "innovation": {"330824": 2, "330802": 1},
}


def load_scoring_demo(db: Database, actor: Actor) -> int:
    """Decompose the forest target and create the demonstration schemes (idempotent)."""
    from ecociv import assessment

    if assessment.list_schemes(db, CITY_OFFICE):
        return 0
    city_forest = next(
        t
        for t in indicators.list_targets(db, CITY_OFFICE, "QZ-036")
        if t.org_unit_code == orgs.CITY_CODE
    )
    indicators.set_targets(
        db,
        CITY_OFFICE,
        "QZ-036",
        [indicators.TargetChange(code, value) for code, value in FOREST_DECOMPOSITION.items()],
        reason="2020 年度目标分解（合成演示）",
        parent_id=city_forest.id,
    )
    made = 0
    for year in (2021, 2023):
        code = f"county-{year}"
        assessment.save_scheme(
            db,
            CITY_OFFICE,
            code=code,
            name=f"{year} 年度县（市、区）生态文明建设目标责任考核（合成示例）",
            year=year,
            subject_kind="county",
            items=county_scheme_items(),
            bonus_cap=5,
            synthetic=True,
        )
        for item, facts in COUNTY_FACTS.items():
            for subject, fact in facts.items():
                payload: dict[str, Any] = (
                    {"grade": fact} if item == "water_section" else {"event_count": fact}
                )
                assessment.record_input(
                    db, CITY_OFFICE, code, item, subject, payload, note="合成演示"
                )
        made += 1
    assessment.record_input(
        db,
        CITY_OFFICE,
        "county-2023",
        "inspection",
        "330802",
        {"triggered": True},
        note="合成演示：督察通报问题",
    )
    assessment.save_scheme(
        db,
        CITY_OFFICE,
        code="department-2023",
        name="2023 年度市直部门生态文明建设任务考核（合成示例）",
        year=2023,
        subject_kind="department",
        items=department_scheme_items(),
        bonus_cap=5,
        synthetic=True,
    )
    # the demo's official results: 2021, the plan's near-term target year
    assessment.publish_year(db, CITY_OFFICE, 2021)
    return made + 1
