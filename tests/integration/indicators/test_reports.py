"""The annual report workflow: draft → submitted → approved → accepted, returns with a reason,
locking, scope, validation and completeness."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ecociv import indicators
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.indicators import FormKind, ReportAction, ReportRef, ReportState
from ecociv.kernel import Actor, ConflictError, PermissionDeniedError, Role, ValidationError
from tests.conftest import JIANGSHAN, KECHENG

OFFICER = Actor("kecheng", Role.COUNTY_OFFICER, county_code=KECHENG, request_id="t1")
HEAD = Actor(
    "kecheng_head", Role.COUNTY_OFFICER, county_code=KECHENG, is_head=True, request_id="t2"
)
OTHER = Actor("jiangshan", Role.COUNTY_OFFICER, county_code=JIANGSHAN, request_id="t3")
CITY = Actor("cityoffice", Role.CITY_OFFICE, request_id="t4")
REF = ReportRef(FormKind.COUNTY, KECHENG, "", 2024)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def complete_values(view: indicators.ReportView) -> dict[str, object]:
    """Last year's values again (a plausible complete report)."""
    return {e.code: view.previous.get(e.code) for e in view.elements}


def test_the_whole_flow_locks_accepted_data_and_audits_every_step(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    assert view.state is ReportState.DRAFT and view.previous  # last year's values shown
    indicators.save_values(db, OFFICER, view.id, complete_values(view), {})
    submitted = indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT)
    assert submitted.state is ReportState.SUBMITTED and submitted.first_submitted_at
    with pytest.raises(PermissionDeniedError):  # the officer is not the head
        indicators.act_on_report(db, OFFICER, view.id, ReportAction.APPROVE)
    indicators.act_on_report(db, HEAD, view.id, ReportAction.APPROVE)
    with pytest.raises(PermissionDeniedError):  # only the city office accepts
        indicators.act_on_report(db, HEAD, view.id, ReportAction.ACCEPT)
    accepted = indicators.act_on_report(db, CITY, view.id, ReportAction.ACCEPT)
    assert accepted.state is ReportState.ACCEPTED
    with pytest.raises(ConflictError, match="锁定"):
        indicators.save_values(db, OFFICER, view.id, {"coal_10kt": 1.0}, {})
    with pytest.raises(ConflictError, match="锁定"):
        indicators.act_on_report(db, CITY, view.id, ReportAction.RETURN, reason="再看看")
    with db.reading() as session:
        actions = list(
            session.scalars(
                select(AuditRow.action)
                .where(AuditRow.entity_type == "report", AuditRow.entity_id == str(view.id))
                .order_by(AuditRow.seq)
            )
        )
    assert actions == [
        "report.create",
        "report.save.form",
        "report.submit",
        "report.approve",
        "report.accept",
    ]
    assert [e.to_state for e in accepted.events] == ["submitted", "approved", "accepted"]


def test_a_return_needs_a_reason_and_reopens_the_report(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    indicators.save_values(db, OFFICER, view.id, complete_values(view), {})
    indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT)
    with pytest.raises(ValidationError, match="理由"):
        indicators.act_on_report(db, HEAD, view.id, ReportAction.RETURN, reason=" ")
    returned = indicators.act_on_report(
        db, HEAD, view.id, ReportAction.RETURN, reason="森林面积需与自然资源部门核对"
    )
    assert returned.state is ReportState.RETURNED
    assert returned.returned_reason == "森林面积需与自然资源部门核对"
    fixed = indicators.save_values(db, OFFICER, view.id, {"forest_area_km2": 300.0}, {})
    assert fixed.values["forest_area_km2"] == 300.0
    assert (
        indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT).state
        is ReportState.SUBMITTED
    )


def test_another_county_can_neither_see_nor_write_the_draft(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    with pytest.raises(PermissionDeniedError):
        indicators.get_report(db, OTHER, view.id)
    with pytest.raises(PermissionDeniedError):
        indicators.save_values(db, OTHER, view.id, {"coal_10kt": 1.0}, {})
    with pytest.raises(PermissionDeniedError):
        indicators.open_report(db, OTHER, REF)
    assert all(r.ref.org_unit_code != KECHENG for r in indicators.list_reports(db, OTHER, 2024))
    assert indicators.get_report(db, OFFICER, view.id).values == {}


def test_bad_values_save_nothing_and_every_error_names_its_field(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    with pytest.raises(ValidationError) as caught:
        indicators.save_values(
            db,
            OFFICER,
            view.id,
            {
                "coal_10kt": "abc",
                "hw_harmless_t": 200.0,
                "hw_generated_t": 100.0,
                "lake_chief_state": "差不多",
                "forest_area_km2": -1,
            },
            {},
        )
    fields = sorted(e["field"] for e in caught.value.errors)
    assert fields == ["coal_10kt", "forest_area_km2", "hw_harmless_t", "lake_chief_state"]
    assert indicators.get_report(db, OFFICER, view.id).values == {}


def test_a_big_change_against_last_year_needs_a_comment_before_submitting(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    values = complete_values(view)
    values["coal_10kt"] = float(values["coal_10kt"]) * 2  # type: ignore[arg-type]
    indicators.save_values(db, OFFICER, view.id, values, {})
    with pytest.raises(ValidationError) as caught:
        indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT)
    assert [e["field"] for e in caught.value.errors] == ["coal_10kt"]
    indicators.save_values(db, OFFICER, view.id, {}, {"coal_10kt": "新建热电联产项目投产"})
    assert (
        indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT).state
        is ReportState.SUBMITTED
    )


def test_an_incomplete_report_cannot_be_submitted(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    indicators.save_values(db, OFFICER, view.id, {"coal_10kt": 300.0}, {})
    with pytest.raises(ValidationError, match="未填写"):
        indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT)


def test_plain_counties_report_plain_tree_cover_and_mountain_counties_do_not(db: Database) -> None:
    kaihua = Actor("k", Role.COUNTY_OFFICER, county_code="330824")
    longyou = Actor("l", Role.COUNTY_OFFICER, county_code="330825")
    mountain = indicators.open_report(db, kaihua, ReportRef(FormKind.COUNTY, "330824", "", 2024))
    plain = indicators.open_report(db, longyou, ReportRef(FormKind.COUNTY, "330825", "", 2024))
    assert "plain_area_km2" not in {e.code for e in mountain.elements}
    assert "plain_area_km2" in {e.code for e in plain.elements}


def test_completeness_counts_expected_submitted_and_on_time(db: Database) -> None:
    result = indicators.reporting_completeness(db, CITY, 2023)
    # demo 2023: 柯城, 衢江 (returned after submission), 常山 (late), 开化, 江山 (late) submitted;
    # 龙游 still a draft
    assert result["county"] == {
        "expected": 6,
        "submitted": 5,
        "on_time": 3,
        "rate": 83.3,
        "on_time_rate": 50.0,
    }
    assert result["department"]["expected"] == 4 and result["department"]["submitted"] == 3


def test_a_report_submitted_after_the_due_day_is_late(db: Database) -> None:
    view = indicators.open_report(db, OFFICER, REF)
    indicators.save_values(db, OFFICER, view.id, complete_values(view), {})
    late = Clock(datetime(2025, 3, 31, 16, 30, tzinfo=UTC))  # 1 April 00:30 in Beijing
    indicators.act_on_report(db, OFFICER, view.id, ReportAction.SUBMIT, clock=late)
    summary = next(r for r in indicators.list_reports(db, CITY, 2024) if r.id == view.id)
    assert summary.on_time is False
