"""The transfer-manifest state machine T1–T12 (危险废物转移管理办法; docs/modules/hazwaste.md §2.1).

A manifest from a Quzhou generator (柯城区) to a licensed facility (江山市), carried by a
Quzhou carrier with a relay, walks every legal transition; every illegal step — wrong party,
wrong state, unlicensed, expired or full receiver, unqualified vehicle or crew — is refused with
its reason and leaves the input manifest as it was. Times are Beijing time (2025, pinned)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ecociv.kernel import ConflictError, PermissionDeniedError, ValidationError
from ecociv.waste import (
    CorrectionInput,
    CrewMember,
    CrewRole,
    DraftInput,
    LegCorrection,
    LegInput,
    Licence,
    LicenceKind,
    LicenceScope,
    LineCorrection,
    LineDecision,
    LineDisposal,
    LineInput,
    LineReceipt,
    ManagementPlan,
    Manifest,
    ManifestContext,
    ManifestSettings,
    ManifestState,
    Party,
    PartyRole,
    PlanLine,
    Section,
    Signature,
    SignatureMethod,
    TransferApproval,
    TransferBlockedError,
    TransferType,
    Transition,
    TransportLeg,
    Vehicle,
    WasteKind,
    accept_relay,
    backfill_paper,
    cancel,
    close,
    complete_backfill,
    confirm_receipt,
    create_draft,
    deliver,
    depart,
    finish_correction,
    format_manifest_number,
    legal_actions,
    make_return_manifest,
    offer_relay,
    report_disposal,
    revise_draft,
    start_correction,
    submit,
    validate_manifest_number,
    withdraw_relay,
)
from ecociv.waste.rules import check_planning_open, locked_sections

S = ManifestState
D = Decimal

GEN = "91330802MA28F1234L"  # 柯城区 generator
CARRIER = "91330803MA28C0001W"  # 衢江区 carrier
RELAY = "91330800MA2B00005Q"  # second carrier
RECEIVER = "91330881MA29R00026"  # 江山市 licensed facility
ALTERNATE = "91330824MA2A00003Q"  # 开化县, another facility
OUT_OF_PROVINCE = "91360100MA35X00045"  # 南昌, Jiangxi
EEB = "113308000024820120"  # 衢州市生态环境局

GENERATOR = Party(PartyRole.GENERATOR, GEN, "产废员")
CARRIER_P = Party(PartyRole.CARRIER, CARRIER, "调度员")
RELAY_P = Party(PartyRole.CARRIER, RELAY, "二程调度")
RECEIVER_P = Party(PartyRole.RECEIVER, RECEIVER, "收货员")
ALTERNATE_P = Party(PartyRole.RECEIVER, ALTERNATE, "他厂收货员")
REGULATOR = Party(PartyRole.REGULATOR, EEB, "执法员")
STRANGER = Party(PartyRole.GENERATOR, ALTERNATE, "他人")

OIL, PACKAGING = "900-249-08", "900-041-49"
NUMBER = "20253308000123"


def beijing(mo: int, d: int, h: int = 10, mi: int = 0, y: int = 2025) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


T_DRAFT = beijing(9, 25, 9)
T_SUBMIT = beijing(9, 26, 8)
T_DEPART = beijing(9, 26, 9)
T_OFFER = beijing(9, 26, 10, 30)
T_RELAY = beijing(9, 26, 11)
T_DELIVER = beijing(9, 26, 15)  # Friday before National Day: receipt due 10-10
T_CONFIRM = beijing(9, 29, 10)
T_CLOSE = beijing(9, 29, 10, 5)
T_DISPOSE = beijing(10, 20, 9)

LICENCE = Licence(
    number="浙危废经第3308001号",
    holder_uscc=RECEIVER,
    kind=LicenceKind.COMPREHENSIVE,
    valid_from_on=date(2023, 1, 1),
    valid_until_on=date(2027, 12, 31),
    scopes=(
        LicenceScope(annual_scale_t_a=D(1000), categories=("HW08",)),
        LicenceScope(annual_scale_t_a=D(100), codes=(PACKAGING,)),
    ),
    storage_capacity_t=D(200),
)
PLAN = ManagementPlan(
    year=2025,
    consignor_uscc=GEN,
    filing_no="330802-2025-0042",
    lines=(
        PlanLine(OIL, D(50), RECEIVER, "R9"),
        PlanLine(PACKAGING, D(20), RECEIVER, "D10"),
    ),
)
VEHICLE = Vehicle(
    plate="浙H12345",
    owner_uscc=CARRIER,
    operating_certificate_no="浙交运管衢字330800012345",
    dangerous_goods_classes=("3", "6", "9"),
    valid_until_on=date(2026, 6, 30),
    gps_device_id="GPS-0001",
)
RELAY_VEHICLE = Vehicle(
    plate="浙H67890",
    owner_uscc=RELAY,
    operating_certificate_no="浙交运管衢字330800067890",
    dangerous_goods_classes=("9",),
    valid_until_on=date(2026, 6, 30),
)
CREW = (
    CrewMember("王驾驶", CrewRole.DRIVER, "D001", date(2027, 1, 1), CARRIER),
    CrewMember("李押运", CrewRole.ESCORT, "E001", date(2027, 1, 1), CARRIER),
    CrewMember("赵驾驶", CrewRole.DRIVER, "D002", date(2027, 1, 1), RELAY),
    CrewMember("钱押运", CrewRole.ESCORT, "E002", date(2027, 1, 1), RELAY),
)
CONTEXT = ManifestContext(
    receiver_licences=(LICENCE,),
    receiver_year_t={OIL: D(100), PACKAGING: D(10)},
    plan=PLAN,
    vehicles=(VEHICLE, RELAY_VEHICLE),
    crew=CREW,
    prefecture_code="3308",
)
LINES = (
    LineInput(
        code=OIL,
        name="废矿物油",
        form="液态",
        packaging="铁桶",
        package_count=20,
        planned_t=D("4"),
        hazardous_components="矿物油",
        dangerous_goods_class="9",
        un_number="UN3082",
    ),
    LineInput(
        code=PACKAGING,
        name="废包装桶",
        form="固态",
        packaging="吨袋",
        package_count=10,
        planned_t=D("2"),
    ),
)
DRAFT = DraftInput(
    receiver_uscc=RECEIVER,
    carrier_uscc=CARRIER,
    lines=LINES,
    emergency_measures="泄漏时用吸附棉围堵，报告 12369",
)
LEG = LegInput(
    vehicle_plate="浙H 12345", crew=("D001", "E001"), start_place="柯城区某厂", labels_match=True
)
RELAY_LEG = LegInput(
    vehicle_plate="浙H67890", crew=("D002", "E002"), start_place="衢州中转站", labels_match=True
)
SHIPPED = {1: D("4.00"), 2: D("2.00")}
ACCEPT_ALL = (
    LineReceipt(1, D("3.98"), LineDecision.ACCEPT, "R9"),
    LineReceipt(2, D("2.01"), LineDecision.ACCEPT, "D10"),
)


def ctx(**changes: Any) -> ManifestContext:
    return dataclasses.replace(CONTEXT, **changes)


def refused(error: type[Exception], step: Callable[[], object], manifest: Manifest | None) -> Any:
    """Run a step that must be refused; the input manifest must be unchanged."""
    before = dataclasses.asdict(manifest) if manifest is not None else None
    with pytest.raises(error) as caught:
        step()
    if manifest is not None:
        assert dataclasses.asdict(manifest) == before
    return caught.value


# ---- the stages, each built by the legal steps -----------------------------------------------


def drafted(context: ManifestContext = CONTEXT) -> Manifest:
    return create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=context).manifest


def submitted(context: ManifestContext = CONTEXT) -> Manifest:
    return submit(
        drafted(context), GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=context
    ).manifest


def in_transit() -> Manifest:
    return depart(submitted(), CARRIER_P, LEG, now=T_DEPART, context=CONTEXT).manifest


def offered(by: Party = CARRIER_P, to: str = RELAY) -> Manifest:
    """In transit, with a relay offered to ``to`` at the 衢州中转站."""
    return offer_relay(
        in_transit(), by, to_carrier_uscc=to, place="衢州中转站", now=T_OFFER
    ).manifest


def delivered() -> Manifest:
    return deliver(
        in_transit(), CARRIER_P, end_place="江山市某处置厂", now=T_DELIVER, context=CONTEXT
    ).manifest


def received(*receipts: LineReceipt) -> Manifest:
    return confirm_receipt(
        delivered(), RECEIVER_P, receipts or ACCEPT_ALL, now=T_CONFIRM, context=CONTEXT
    ).manifest


def closed() -> Manifest:
    return close(received(), now=T_CLOSE).manifest


# ---- the whole walk --------------------------------------------------------------------------


def test_a_manifest_walks_every_legal_transition_to_closed_and_disposed() -> None:
    steps: list[Transition] = []
    steps.append(create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=CONTEXT))
    m = steps[-1].manifest
    assert m.state is S.DRAFT and m.number is None
    assert m.plan_filing_no == PLAN.filing_no and m.catalogue_edition == "2021"
    assert [line.category for line in m.lines] == ["HW08", "HW49"]
    assert [line.hazard for line in m.lines] == ["T,I", "T/In"]  # from the catalogue, raw

    steps.append(
        submit(m, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=CONTEXT)
    )
    m = steps[-1].manifest
    assert m.state is S.SUBMITTED and m.number == NUMBER and m.submitted_at == T_SUBMIT
    assert m.total_shipped_t == D(6)

    steps.append(depart(m, CARRIER_P, LEG, now=T_DEPART, context=CONTEXT))
    m = steps[-1].manifest
    assert m.state is S.IN_TRANSIT and m.departed_at == T_DEPART
    assert m.legs[0].vehicle_plate == "浙H12345"
    assert m.legs[0].operating_certificate_no == VEHICLE.operating_certificate_no
    assert m.legs[0].gps_device_id == "GPS-0001"

    steps.append(offer_relay(m, CARRIER_P, to_carrier_uscc=RELAY, place="衢州中转站", now=T_OFFER))
    m = steps[-1].manifest
    assert m.state is S.IN_TRANSIT and len(m.legs) == 1 and m.relay_offer is not None
    steps.append(accept_relay(m, RELAY_P, RELAY_LEG, now=T_RELAY, context=CONTEXT))
    m = steps[-1].manifest
    assert m.relay_offer is None
    assert m.state is S.IN_TRANSIT and len(m.legs) == 2
    assert m.legs[0].end_place == "衢州中转站" and m.legs[0].ended_at == T_RELAY
    assert m.legs[1].carrier_uscc == RELAY and m.legs[1].order == 2

    steps.append(deliver(m, RELAY_P, end_place="江山市某处置厂", now=T_DELIVER, context=CONTEXT))
    m = steps[-1].manifest
    assert m.state is S.DELIVERED and m.delivered_at == T_DELIVER
    assert m.receipt_due_on == date(2025, 10, 10)  # 5 working days, across the worked Sunday

    steps.append(confirm_receipt(m, RECEIVER_P, ACCEPT_ALL, now=T_CONFIRM, context=CONTEXT))
    m = steps[-1].manifest
    assert m.state is S.ACCEPTED and m.accepted_at == T_CONFIRM
    assert [line.accepted_t for line in m.lines] == [D("3.98"), D("2.01")]
    assert [line.method_code for line in m.lines] == ["R9", "D10"]
    assert not any(line.discrepancy for line in m.lines)

    steps.append(close(m, now=T_CLOSE))
    m = steps[-1].manifest
    assert m.state is S.CLOSED and m.closed_at == T_CLOSE

    disposals = (
        LineDisposal(1, D("3.98"), date(2025, 10, 15), output_ledger_ref="LZ-2025-1015-01"),
        LineDisposal(2, D("2.01"), date(2025, 10, 16), "D10"),
    )
    steps.append(report_disposal(m, RECEIVER_P, disposals, now=T_DISPOSE, context=CONTEXT))
    m = steps[-1].manifest
    assert m.state is S.DISPOSED and m.disposed_at == T_DISPOSE
    assert m.lines[0].disposed_t == D("3.98") and m.lines[0].method_code == "R9"

    events = [step.event for step in steps]
    assert [e.transition for e in events] == [
        "T1", "T2", "T4", "T5", "T5", "T6", "T7", "T8", "T9"
    ]  # fmt: skip
    assert [e.to_state for e in events] == [
        S.DRAFT,
        S.SUBMITTED,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.DELIVERED,
        S.ACCEPTED,
        S.CLOSED,
        S.DISPOSED,
    ]
    assert events[0].from_state is None and events[1].from_state is S.DRAFT
    assert [e.actor for e in events] == [
        GENERATOR,
        GENERATOR,
        CARRIER_P,
        CARRIER_P,
        RELAY_P,
        RELAY_P,
        RECEIVER_P,
        None,  # T8 is the platform's
        RECEIVER_P,
    ]
    assert events[6].data["late"] is False
    assert all(e.manifest_no == NUMBER for e in events[1:])
    assert locked_sections(m) == {
        (Section.CONSIGNOR, None),
        (Section.TRANSPORT, 1),
        (Section.TRANSPORT, 2),
        (Section.RECEIPT, None),
        (Section.DISPOSAL, None),
    }
    signature = m.signature(Section.RECEIPT)
    assert signature is not None and signature.user == "收货员"
    assert signature.method is SignatureMethod.ACCOUNT and signature.signed_at == T_CONFIRM


def test_legal_actions_follow_the_table() -> None:
    assert legal_actions(S.DRAFT) == ("revise_draft", "submit", "cancel")
    assert legal_actions(S.IN_TRANSIT) == (
        "offer_relay",
        "withdraw_relay",
        "accept_relay",
        "deliver",
        "start_correction",
    )
    assert legal_actions(S.CANCELLED) == ()
    assert "make_return_manifest" in legal_actions(S.REJECTED)


# ---- wrong party -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "step", "wrong"),
    [
        ("draft", "submit", CARRIER_P),
        ("draft", "submit", Party(PartyRole.COLLECTOR, GEN)),  # right unit, wrong role
        ("draft", "cancel", RECEIVER_P),
        ("draft", "revise", STRANGER),
        ("submitted", "depart", GENERATOR),
        ("submitted", "depart", RELAY_P),  # not the planned carrier
        ("in_transit", "deliver", GENERATOR),
        ("in_transit", "deliver", RELAY_P),  # not the carrier of the current leg
        ("in_transit", "offer_relay", RECEIVER_P),
        ("in_transit", "offer_relay", RELAY_P),  # not on the manifest yet
        ("offered", "accept_relay", RECEIVER_P),
        ("offered", "accept_relay", CARRIER_P),  # the current carrier, not the named one
        ("offered", "accept_relay", Party(PartyRole.CARRIER, ALTERNATE)),  # a stranger
        ("offered", "withdraw_relay", RELAY_P),  # the named carrier did not offer it
        ("offered", "withdraw_relay", GENERATOR),  # the carrier offered, not the consignor
        ("delivered", "confirm", GENERATOR),
        ("delivered", "confirm", ALTERNATE_P),  # a receiver, but not this one
        ("closed", "dispose", CARRIER_P),
        ("rejected", "return", CARRIER_P),
        ("submitted", "correct", STRANGER),
    ],
)
def test_only_the_owning_party_may_act(stage: str, step: str, wrong: Party) -> None:
    manifest = {
        "draft": drafted,
        "submitted": submitted,
        "in_transit": in_transit,
        "offered": offered,
        "delivered": delivered,
        "closed": closed,
        "rejected": lambda: received(
            LineReceipt(1, D(4), LineDecision.REJECT, note="包装破损"),
            LineReceipt(2, D(2), LineDecision.REJECT, note="包装破损"),
        ),
    }[stage]()
    steps: dict[str, Callable[[], object]] = {
        "submit": lambda: submit(
            manifest, wrong, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=CONTEXT
        ),
        "cancel": lambda: cancel(manifest, wrong, reason="不转了", now=T_SUBMIT),
        "revise": lambda: revise_draft(manifest, wrong, DRAFT, now=T_SUBMIT, context=CONTEXT),
        "depart": lambda: depart(manifest, wrong, LEG, now=T_DEPART, context=CONTEXT),
        "deliver": lambda: deliver(
            manifest, wrong, end_place="终点", now=T_DELIVER, context=CONTEXT
        ),
        "offer_relay": lambda: offer_relay(manifest, wrong, to_carrier_uscc=ALTERNATE, now=T_RELAY),
        "accept_relay": lambda: accept_relay(
            manifest, wrong, RELAY_LEG, now=T_RELAY, context=CONTEXT
        ),
        "withdraw_relay": lambda: withdraw_relay(manifest, wrong, now=T_RELAY),
        "confirm": lambda: confirm_receipt(
            manifest, wrong, ACCEPT_ALL, now=T_CONFIRM, context=CONTEXT
        ),
        "dispose": lambda: report_disposal(
            manifest,
            wrong,
            (LineDisposal(1, D(1), date(2025, 10, 15)), LineDisposal(2, D(1), date(2025, 10, 15))),
            now=T_DISPOSE,
            context=CONTEXT,
        ),
        "return": lambda: make_return_manifest(
            manifest, wrong, carrier_uscc=CARRIER, now=T_DISPOSE, context=CONTEXT
        ),
        "correct": lambda: start_correction(manifest, wrong, reason="改", now=T_DISPOSE),
    }
    error = refused(PermissionDeniedError, steps[step], manifest)
    assert "无权" in error.message and error.field == "actor"


def test_only_a_generator_or_collector_may_draft_a_manifest() -> None:
    error = refused(
        PermissionDeniedError,
        lambda: create_draft(CARRIER_P, DRAFT, now=T_DRAFT, context=CONTEXT),
        None,
    )
    assert "移出人" in error.message


# ---- wrong state -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "step"),
    [
        ("draft", "depart"),
        ("draft", "start_correction"),
        ("submitted", "submit"),
        ("submitted", "deliver"),
        ("submitted", "confirm"),
        ("in_transit", "cancel"),  # only before loading
        ("in_transit", "close"),
        ("delivered", "offer_relay"),
        ("delivered", "accept_relay"),
        ("delivered", "report_disposal"),
        ("accepted", "report_disposal"),  # disposal follows closing
        ("accepted", "make_return"),
        ("closed", "confirm"),
        ("submitted", "finish_correction"),
        ("submitted", "complete_backfill"),
    ],
)
def test_a_step_is_refused_in_a_state_that_does_not_allow_it(stage: str, step: str) -> None:
    manifest = {
        "draft": drafted,
        "submitted": submitted,
        "in_transit": in_transit,
        "offered": offered,
        "delivered": delivered,
        "accepted": received,
        "closed": closed,
    }[stage]()
    steps: dict[str, Callable[[], object]] = {
        "depart": lambda: depart(manifest, CARRIER_P, LEG, now=T_DISPOSE, context=CONTEXT),
        "start_correction": lambda: start_correction(
            manifest, GENERATOR, reason="改", now=T_DISPOSE
        ),
        "submit": lambda: submit(
            manifest, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_DISPOSE, context=CONTEXT
        ),
        "deliver": lambda: deliver(
            manifest, CARRIER_P, end_place="终点", now=T_DISPOSE, context=CONTEXT
        ),
        "confirm": lambda: confirm_receipt(
            manifest, RECEIVER_P, ACCEPT_ALL, now=T_DISPOSE, context=CONTEXT
        ),
        "cancel": lambda: cancel(manifest, GENERATOR, reason="不转了", now=T_DISPOSE),
        "close": lambda: close(manifest, now=T_DISPOSE),
        "offer_relay": lambda: offer_relay(
            manifest, CARRIER_P, to_carrier_uscc=ALTERNATE, now=T_DISPOSE
        ),
        "accept_relay": lambda: accept_relay(
            manifest, RELAY_P, RELAY_LEG, now=T_DISPOSE, context=CONTEXT
        ),
        "withdraw_relay": lambda: withdraw_relay(manifest, CARRIER_P, now=T_DISPOSE),
        "report_disposal": lambda: report_disposal(
            manifest, RECEIVER_P, (), now=T_DISPOSE, context=CONTEXT
        ),
        "make_return": lambda: make_return_manifest(
            manifest, GENERATOR, carrier_uscc=CARRIER, now=T_DISPOSE, context=CONTEXT
        ),
        "finish_correction": lambda: finish_correction(
            manifest, GENERATOR, CorrectionInput(), now=T_DISPOSE, context=CONTEXT
        ),
        "complete_backfill": lambda: complete_backfill(manifest, GENERATOR, now=T_DISPOSE),
    }
    error = refused(ConflictError, steps[step], manifest)
    assert "当前为" in error.message and error.field == "state"


# ---- T1/T2: plan, licence, capacity ----------------------------------------------------------


def test_a_receiver_without_a_licence_is_refused_at_draft() -> None:
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=ctx(receiver_licences=())),
        None,
    )
    assert error.rule == "W10" and "没有危险废物经营许可证" in error.message


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "ok"),
    [
        (date(2020, 9, 25), date(2025, 9, 24), False),  # expired the day before
        (date(2020, 9, 25), date(2025, 9, 25), True),  # last day of validity
        (date(2025, 9, 25), date(2030, 9, 24), True),  # first day of validity
        (date(2025, 9, 26), date(2030, 9, 25), False),  # not yet valid
    ],
)
def test_the_receiver_licence_must_be_valid_on_the_day_of_the_draft(
    valid_from: date, valid_until: date, ok: bool
) -> None:
    licence = dataclasses.replace(LICENCE, valid_from_on=valid_from, valid_until_on=valid_until)
    context = ctx(receiver_licences=(licence,))
    if ok:
        assert create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=context).manifest
        return
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=context),
        None,
    )
    assert (
        error.rule == "W10" and "不在有效期内" in error.message and LICENCE.number in error.message
    )


def test_a_licence_that_expires_between_draft_and_submission_blocks_the_submission() -> None:
    licence = dataclasses.replace(LICENCE, valid_until_on=date(2025, 9, 25))
    context = ctx(receiver_licences=(licence,))
    draft = drafted(context)
    error = refused(
        TransferBlockedError,
        lambda: submit(
            draft, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=context
        ),
        draft,
    )
    assert error.rule == "W10"


def test_a_code_outside_the_licence_scope_is_refused_naming_the_line() -> None:
    licence = dataclasses.replace(LICENCE, scopes=LICENCE.scopes[:1])  # HW08 only
    error = refused(
        TransferBlockedError,
        lambda: create_draft(
            GENERATOR, DRAFT, now=T_DRAFT, context=ctx(receiver_licences=(licence,))
        ),
        None,
    )
    assert error.rule == "W10" and "第 2 行" in error.message and PACKAGING in error.message
    assert error.field == "lines[2].code"


def test_a_licence_scope_by_category_covers_every_code_of_the_category() -> None:
    oil_only = dataclasses.replace(DRAFT, lines=(dataclasses.replace(LINES[0], code="900-214-08"),))
    plan = dataclasses.replace(PLAN, lines=(PlanLine("900-214-08", D(10), RECEIVER, "R9"),))
    assert create_draft(GENERATOR, oil_only, now=T_DRAFT, context=ctx(plan=plan)).manifest


@pytest.mark.parametrize(
    ("planned", "ratio", "ok"),
    [
        ("90", "1.00", True),  # 10 received this year + 90 = 100 t, the approved scale
        ("90.001", "1.00", False),  # just over the remaining approved scale (W11)
        ("110", "1.20", True),  # a city allowing 20 % over (Order 408 art. 12(4))
        ("110.001", "1.20", False),
    ],
)
def test_the_receiver_must_have_approved_scale_left_for_the_code(
    planned: str, ratio: str, ok: bool
) -> None:
    lines = (dataclasses.replace(LINES[1], planned_t=D(planned)),)
    draft = dataclasses.replace(DRAFT, lines=lines)
    context = ctx(settings=ManifestSettings(scale_block_ratio=D(ratio)))
    if ok:
        assert create_draft(GENERATOR, draft, now=T_DRAFT, context=context).manifest
        return
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, draft, now=T_DRAFT, context=context),
        None,
    )
    assert error.rule == "W11" and "核准年经营规模为 100 吨/年" in error.message


def test_the_category_scope_counts_every_code_received_under_it_this_year() -> None:
    # HW08: 997 of 1000 t received under the category scope; this manifest plans 4 t more
    context = ctx(receiver_year_t={OIL: D(500), "900-214-08": D(497)})
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=context),
        None,
    )
    assert error.rule == "W11" and "本年已接收 997 吨" in error.message


def test_capacity_is_checked_again_at_submission_with_the_weighed_quantity() -> None:
    draft = drafted()
    heavy = {1: D("4"), 2: D("90.5")}  # 10 + 90.5 > 100 t for 900-041-49
    error = refused(
        TransferBlockedError,
        lambda: submit(
            draft, GENERATOR, number=NUMBER, shipped_t=heavy, now=T_SUBMIT, context=CONTEXT
        ),
        draft,
    )
    assert error.rule == "W11"


def test_a_code_or_receiver_missing_from_the_filed_plan_is_refused() -> None:
    plan = dataclasses.replace(PLAN, lines=PLAN.lines[:1])
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=ctx(plan=plan)),
        None,
    )
    assert error.rule == "W15" and "第 2 行" in error.message and "未列入管理计划" in error.message
    other = dataclasses.replace(DRAFT, receiver_uscc=ALTERNATE)
    alt_licence = dataclasses.replace(LICENCE, holder_uscc=ALTERNATE)
    error = refused(
        TransferBlockedError,
        lambda: create_draft(
            GENERATOR, other, now=T_DRAFT, context=ctx(receiver_licences=(alt_licence,))
        ),
        None,
    )
    assert error.rule == "W15"


@pytest.mark.parametrize(
    "plan",
    [
        None,
        dataclasses.replace(PLAN, year=2024),
        dataclasses.replace(PLAN, filing_no=""),
        dataclasses.replace(PLAN, consignor_uscc=ALTERNATE),
    ],
)
def test_a_draft_needs_the_consignors_filed_plan_of_the_year(plan: ManagementPlan | None) -> None:
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=ctx(plan=plan)),
        None,
    )
    assert error.rule == "W15"


def test_an_export_planned_abroad_is_not_run_on_a_domestic_manifest() -> None:
    plan = dataclasses.replace(
        PLAN,
        lines=tuple(dataclasses.replace(p, transfer_type=TransferType.ABROAD) for p in PLAN.lines),
    )
    error = refused(
        TransferBlockedError,
        lambda: create_draft(GENERATOR, DRAFT, now=T_DRAFT, context=ctx(plan=plan)),
        None,
    )
    assert "出境" in error.message


@pytest.mark.parametrize(
    ("code", "hazard", "field"),
    [
        ("900-041-48", "", "lines[1].code"),  # not in the catalogue
        ("900-249-08", "T", "lines[1].hazard"),  # not the catalogue's "T,I"
        ("900-000-08", "", "lines[1].hazard"),  # tested waste needs its tested characteristics
    ],
)
def test_hazardous_lines_follow_the_catalogue(code: str, hazard: str, field: str) -> None:
    line = dataclasses.replace(LINES[0], code=code, hazard=hazard)
    draft = dataclasses.replace(DRAFT, lines=(line,))
    error = refused(
        ValidationError, lambda: create_draft(GENERATOR, draft, now=T_DRAFT, context=CONTEXT), None
    )
    assert error.field == field and "第 1 行" in error.message


def test_a_900_000_xx_code_is_accepted_with_its_tested_characteristics() -> None:
    line = dataclasses.replace(LINES[0], code="900-000-08", hazard="T")
    plan = dataclasses.replace(PLAN, lines=(PlanLine("900-000-08", D(5), RECEIVER, "D10"),))
    draft = dataclasses.replace(DRAFT, lines=(line,))
    m = create_draft(GENERATOR, draft, now=T_DRAFT, context=ctx(plan=plan)).manifest
    assert m.lines[0].category == "HW08" and m.lines[0].hazard == "T"


@pytest.mark.parametrize("planned", ["0", "-1"])
def test_a_planned_quantity_must_be_positive(planned: str) -> None:
    draft = dataclasses.replace(DRAFT, lines=(dataclasses.replace(LINES[0], planned_t=D(planned)),))
    error = refused(
        ValidationError, lambda: create_draft(GENERATOR, draft, now=T_DRAFT, context=CONTEXT), None
    )
    assert error.field == "lines[1].planned_t"


def test_a_bad_receiver_uscc_is_refused_naming_the_field() -> None:
    draft = dataclasses.replace(DRAFT, receiver_uscc="91330881MA29R00027")
    error = refused(
        ValidationError, lambda: create_draft(GENERATOR, draft, now=T_DRAFT, context=CONTEXT), None
    )
    assert error.field == "receiver_uscc" and "校验码" in error.message


# ---- T2: number, weighing, cross-province ----------------------------------------------------


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("2025330800012", "14 位"),  # 13 digits
        ("202533080001234", "14 位"),  # 15 digits
        ("2025-3308-000123", "14 位"),
        ("20243308000123", "年份应为 2025"),  # another year
        ("20253301000123", "3308"),  # another prefecture
        ("20253308000000", "流水号"),
    ],
)
def test_the_manifest_number_has_14_digits_year_province_prefecture_serial(
    number: str, reason: str
) -> None:
    draft = drafted()
    error = refused(
        ValidationError,
        lambda: submit(
            draft, GENERATOR, number=number, shipped_t=SHIPPED, now=T_SUBMIT, context=CONTEXT
        ),
        draft,
    )
    assert error.field == "number" and reason in error.message


def test_manifest_numbers_are_built_and_checked_per_article_15() -> None:
    assert format_manifest_number(2025, "3308", 123) == NUMBER
    assert validate_manifest_number(NUMBER) == NUMBER
    with pytest.raises(ValidationError, match="早于 2022"):
        validate_manifest_number("20213308000001")
    with pytest.raises(ValidationError, match="00"):
        validate_manifest_number("20250008000001")


def test_submission_needs_a_weighed_positive_quantity_for_every_line() -> None:
    draft = drafted()
    error = refused(
        ValidationError,
        lambda: submit(
            draft, GENERATOR, number=NUMBER, shipped_t={1: D(4)}, now=T_SUBMIT, context=CONTEXT
        ),
        draft,
    )
    assert error.field == "lines[2].shipped_t" and "称重" in error.message
    error = refused(
        ValidationError,
        lambda: submit(
            draft,
            GENERATOR,
            number=NUMBER,
            shipped_t={1: D(4), 2: D(0)},
            now=T_SUBMIT,
            context=CONTEXT,
        ),
        draft,
    )
    assert error.field == "lines[2].shipped_t"


def _cross_province() -> tuple[ManifestContext, Manifest]:
    licence = dataclasses.replace(LICENCE, holder_uscc=OUT_OF_PROVINCE)
    plan = dataclasses.replace(
        PLAN,
        lines=tuple(
            dataclasses.replace(
                p, receiver_uscc=OUT_OF_PROVINCE, transfer_type=TransferType.CROSS_PROVINCE
            )
            for p in PLAN.lines
        ),
    )
    approval = TransferApproval(
        number="浙固危跨〔2025〕88号",
        consignor_uscc=GEN,
        receiver_uscc=OUT_OF_PROVINCE,
        valid_from_on=date(2025, 3, 1),
        valid_until_on=date(2026, 2, 28),
        approved_t={OIL: D(40), PACKAGING: D(10)},
    )
    context = ctx(receiver_licences=(licence,), plan=plan, approval=approval)
    draft = dataclasses.replace(DRAFT, receiver_uscc=OUT_OF_PROVINCE)
    m = create_draft(GENERATOR, draft, now=T_DRAFT, context=context).manifest
    assert m.transfer_type is TransferType.CROSS_PROVINCE
    return context, m


def test_a_cross_province_transfer_runs_under_a_valid_approval() -> None:
    context, m = _cross_province()
    done = submit(m, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=context)
    assert done.manifest.approval_no == "浙固危跨〔2025〕88号"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"approval": None}, "须经"),
        ({"approval_used_t": {OIL: D("36.01")}}, "超过批准量"),  # 36.01 + 4 > 40
    ],
)
def test_a_cross_province_transfer_without_approval_or_over_its_quantity_is_refused(
    change: dict[str, Any], fragment: str
) -> None:
    context, m = _cross_province()
    context = dataclasses.replace(context, **change)
    error = refused(
        TransferBlockedError,
        lambda: submit(
            m, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=context
        ),
        m,
    )
    assert error.rule == "W14" and fragment in error.message


def test_the_approved_quantity_may_be_used_up_exactly() -> None:
    context, m = _cross_province()
    context = dataclasses.replace(context, approval_used_t={OIL: D(36)})  # 36 + 4 = 40
    assert submit(m, GENERATOR, number=NUMBER, shipped_t=SHIPPED, now=T_SUBMIT, context=context)


# ---- T1 lock and T3 --------------------------------------------------------------------------


def test_the_consignor_may_revise_its_unsigned_draft() -> None:
    draft = drafted()
    fewer = dataclasses.replace(DRAFT, lines=LINES[:1])
    revised = revise_draft(draft, GENERATOR, fewer, now=T_SUBMIT, context=CONTEXT)
    assert len(revised.manifest.lines) == 1 and revised.manifest.created_at == T_DRAFT
    assert revised.event.action == "revise_draft"


def test_a_signed_consignor_section_is_locked_except_through_a_correction() -> None:
    m = submitted()
    assert (Section.CONSIGNOR, None) in locked_sections(m)
    error = refused(
        ConflictError,
        lambda: revise_draft(m, GENERATOR, DRAFT, now=T_DEPART, context=CONTEXT),
        m,
    )
    assert "锁定" in error.message and "更正" in error.message


def test_the_consignor_cancels_before_loading_with_a_reason() -> None:
    m = submitted()
    error = refused(ValidationError, lambda: cancel(m, GENERATOR, reason="  ", now=T_DEPART), m)
    assert error.field == "reason"
    done = cancel(m, GENERATOR, reason="接受单位设备检修", now=T_DEPART)
    assert done.manifest.state is S.CANCELLED and done.manifest.cancel_reason == "接受单位设备检修"
    assert done.event.transition == "T3" and legal_actions(S.CANCELLED) == ()


# ---- T4/T5: vehicle and crew (W09) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("leg", "context", "fragment"),
    [
        (dataclasses.replace(LEG, labels_match=False), CONTEXT, "识别标志"),
        (dataclasses.replace(LEG, vehicle_plate="浙H99999"), CONTEXT, "未登记"),
        (LEG, ctx(vehicles=(dataclasses.replace(VEHICLE, owner_uscc=RELAY),)), "不属于承运人"),
        (
            LEG,
            ctx(vehicles=(dataclasses.replace(VEHICLE, operating_certificate_no=""),)),
            "道路运输证",
        ),
        (
            LEG,
            ctx(vehicles=(dataclasses.replace(VEHICLE, valid_until_on=date(2025, 9, 25)),)),
            "已失效",
        ),
        (
            LEG,
            ctx(vehicles=(dataclasses.replace(VEHICLE, dangerous_goods_classes=("3", "8")),)),
            "类别 9",
        ),
        (dataclasses.replace(LEG, crew=("D001", "X999")), CONTEXT, "X999 未登记"),
        (dataclasses.replace(LEG, crew=("D001",)), CONTEXT, "押运人员"),
        (dataclasses.replace(LEG, crew=("E001",)), CONTEXT, "驾驶人员"),
        (dataclasses.replace(LEG, crew=("D001", "E002")), CONTEXT, "不是承运人"),
        (
            LEG,
            ctx(crew=(CREW[0], dataclasses.replace(CREW[1], valid_until_on=date(2025, 9, 25)))),
            "E001",
        ),
    ],
)
def test_loading_is_refused_for_an_unqualified_vehicle_or_crew(
    leg: LegInput, context: ManifestContext, fragment: str
) -> None:
    m = submitted()
    error = refused(
        TransferBlockedError, lambda: depart(m, CARRIER_P, leg, now=T_DEPART, context=context), m
    )
    assert error.rule == "W09" and fragment in error.message


@pytest.mark.parametrize(
    ("valid_until", "ok"), [(date(2025, 9, 26), True), (date(2025, 9, 25), False)]
)
def test_the_vehicle_certificate_must_be_valid_on_the_day_of_loading(
    valid_until: date, ok: bool
) -> None:
    m = submitted()
    context = ctx(vehicles=(dataclasses.replace(VEHICLE, valid_until_on=valid_until),))
    if ok:
        assert (
            depart(m, CARRIER_P, LEG, now=T_DEPART, context=context).manifest.state is S.IN_TRANSIT
        )
    else:
        refused(
            TransferBlockedError,
            lambda: depart(m, CARRIER_P, LEG, now=T_DEPART, context=context),
            m,
        )


def test_a_whole_dangerous_goods_class_covers_its_divisions_and_the_escort_rule_is_a_setting() -> (
    None
):
    line = dataclasses.replace(LINES[0], dangerous_goods_class="6.1")
    draft = dataclasses.replace(DRAFT, lines=(line,))
    m = create_draft(GENERATOR, draft, now=T_DRAFT, context=CONTEXT).manifest
    m = submit(
        m, GENERATOR, number=NUMBER, shipped_t={1: D(4)}, now=T_SUBMIT, context=CONTEXT
    ).manifest
    alone = dataclasses.replace(LEG, crew=("D001",))
    context = ctx(settings=ManifestSettings(require_escort=False))
    assert depart(m, CARRIER_P, alone, now=T_DEPART, context=context).manifest.legs[0].crew == (
        "D001",
    )


def test_the_next_carrier_is_checked_like_the_first() -> None:
    m = offered()
    bad = dataclasses.replace(RELAY_LEG, crew=("D002",))  # no escort
    error = refused(
        TransferBlockedError,
        lambda: accept_relay(m, RELAY_P, bad, now=T_RELAY, context=CONTEXT),
        m,
    )
    assert error.rule == "W09"
    mismatch = dataclasses.replace(RELAY_LEG, labels_match=False)
    refused(
        TransferBlockedError,
        lambda: accept_relay(m, RELAY_P, mismatch, now=T_RELAY, context=CONTEXT),
        m,
    )


def test_relay_article_17_only_the_named_next_carrier_takes_over_an_offered_relay() -> None:
    """转移办法 第十七条: the current carrier offers the relay to a named next carrier, who
    alone accepts it; the offer is then used up and the new leg starts at the offered place."""
    m = offered()
    assert m.relay_offer is not None and m.relay_offer.to_carrier_uscc == RELAY
    assert m.relay_offer.offered_by == CARRIER_P and m.legs == in_transit().legs
    stranger = Party(PartyRole.CARRIER, ALTERNATE, "外单位")
    error = refused(
        PermissionDeniedError,
        lambda: accept_relay(m, stranger, RELAY_LEG, now=T_RELAY, context=CONTEXT),
        m,
    )
    assert RELAY in error.message
    no_place = dataclasses.replace(RELAY_LEG, start_place="")
    taken = accept_relay(m, RELAY_P, no_place, now=T_RELAY, context=CONTEXT)
    assert taken.manifest.relay_offer is None
    assert [leg.carrier_uscc for leg in taken.manifest.legs] == [CARRIER, RELAY]
    assert taken.manifest.legs[1].start_place == "衢州中转站"  # the offered place
    assert taken.event.action == "accept_relay" and taken.event.data["from_carrier"] == CARRIER


def test_relay_article_17_the_consignor_may_offer_and_only_the_offerer_withdraws() -> None:
    m = offered(by=GENERATOR)
    assert m.relay_offer is not None and m.relay_offer.offered_by == GENERATOR
    refused(PermissionDeniedError, lambda: withdraw_relay(m, CARRIER_P, now=T_RELAY), m)
    back = withdraw_relay(m, GENERATOR, now=T_RELAY)
    assert back.manifest.relay_offer is None and back.event.data == {"to_carrier": RELAY}
    error = refused(
        ConflictError,
        lambda: accept_relay(back.manifest, RELAY_P, RELAY_LEG, now=T_RELAY, context=CONTEXT),
        back.manifest,
    )
    assert error.field == "relay_offer"


def test_relay_article_17_the_next_carrier_must_be_another_valid_carrier() -> None:
    m = in_transit()
    for to, field in ((CARRIER, "to_carrier_uscc"), ("not-a-code", "to_carrier_uscc")):
        error = refused(
            ValidationError,
            lambda to=to: offer_relay(m, CARRIER_P, to_carrier_uscc=to, now=T_OFFER),
            m,
        )
        assert error.field == field


def test_relay_article_17_one_offer_stands_at_a_time_and_only_a_standing_one_is_taken() -> None:
    m = offered()
    again = refused(
        ConflictError,
        lambda: offer_relay(m, CARRIER_P, to_carrier_uscc=ALTERNATE, now=T_RELAY),
        m,
    )
    plain = in_transit()
    nothing = refused(ConflictError, lambda: withdraw_relay(plain, CARRIER_P, now=T_RELAY), plain)
    none = refused(
        ConflictError,
        lambda: accept_relay(plain, RELAY_P, RELAY_LEG, now=T_RELAY, context=CONTEXT),
        plain,
    )
    assert again.field == nothing.field == none.field == "relay_offer"


def test_a_delivery_lets_a_relay_offer_lapse() -> None:
    done = deliver(offered(), CARRIER_P, end_place="终点", now=T_DELIVER, context=CONTEXT)
    assert done.manifest.relay_offer is None


def test_planning_locks_with_the_transport_section_signed_at_departure() -> None:
    """The planned route and ETA are open before loading (draft, submitted) and locked from
    the departure's transport signature on, in every later state."""
    check_planning_open(drafted())
    check_planning_open(submitted())
    for stage in (in_transit, delivered, received, closed):
        with pytest.raises(ConflictError) as caught:
            check_planning_open(stage())
        assert caught.value.field == "route"
    cancelled = cancel(submitted(), GENERATOR, reason="不转了", now=T_DEPART).manifest
    with pytest.raises(ConflictError):
        check_planning_open(cancelled, "eta_minutes")


def test_after_a_handover_only_the_current_carrier_delivers() -> None:
    m = accept_relay(offered(), RELAY_P, RELAY_LEG, now=T_RELAY, context=CONTEXT).manifest
    refused(
        PermissionDeniedError,
        lambda: deliver(m, CARRIER_P, end_place="终点", now=T_DELIVER, context=CONTEXT),
        m,
    )
    done = deliver(m, RELAY_P, end_place="江山市某处置厂", now=T_DELIVER, context=CONTEXT)
    assert done.manifest.legs[-1].end_place == "江山市某处置厂"


# ---- T7: receipt, discrepancy, decisions -----------------------------------------------------


@pytest.mark.parametrize(
    ("received_t", "flagged"),
    [
        ("9.00", False),  # exactly 10 % short
        ("8.99", True),
        ("11.00", False),  # exactly 10 % over
        ("11.01", True),
        ("10", False),
    ],
)
def test_a_received_quantity_beyond_10_percent_of_the_shipped_marks_a_discrepancy(
    received_t: str, flagged: bool
) -> None:
    line = dataclasses.replace(LINES[0], planned_t=D(10))
    draft = dataclasses.replace(DRAFT, lines=(line,))
    m = create_draft(GENERATOR, draft, now=T_DRAFT, context=CONTEXT).manifest
    m = submit(
        m, GENERATOR, number=NUMBER, shipped_t={1: D(10)}, now=T_SUBMIT, context=CONTEXT
    ).manifest
    m = depart(m, CARRIER_P, LEG, now=T_DEPART, context=CONTEXT).manifest
    m = deliver(m, CARRIER_P, end_place="厂区", now=T_DELIVER, context=CONTEXT).manifest
    bare = (LineReceipt(1, D(received_t), LineDecision.ACCEPT, "R9"),)
    if flagged:
        error = refused(
            ValidationError,
            lambda: confirm_receipt(m, RECEIVER_P, bare, now=T_CONFIRM, context=CONTEXT),
            m,
        )
        assert error.field == "lines[1].note" and "阈值 10%" in error.message
        noted = (dataclasses.replace(bare[0], note="地磅复核，含水率变化"),)
        done = confirm_receipt(m, RECEIVER_P, noted, now=T_CONFIRM, context=CONTEXT)
        assert done.manifest.lines[0].discrepancy
        assert done.event.data["discrepancy_lines"] == [1]
    else:
        done = confirm_receipt(m, RECEIVER_P, bare, now=T_CONFIRM, context=CONTEXT)
        assert not done.manifest.lines[0].discrepancy


def test_the_discrepancy_threshold_is_a_parameter() -> None:
    m = delivered()
    context = ctx(settings=ManifestSettings(discrepancy_ratio=D("0.001")))
    # 3.98 against 4.00 is 0.5 %: fine at 10 %, a discrepancy at 0.1 %
    error = refused(
        ValidationError,
        lambda: confirm_receipt(m, RECEIVER_P, ACCEPT_ALL, now=T_CONFIRM, context=context),
        m,
    )
    assert "第 1 行" in error.message


def test_any_package_count_difference_is_a_discrepancy() -> None:
    m = delivered()
    counted = (dataclasses.replace(ACCEPT_ALL[0], received_count=19), ACCEPT_ALL[1])
    error = refused(
        ValidationError,
        lambda: confirm_receipt(m, RECEIVER_P, counted, now=T_CONFIRM, context=CONTEXT),
        m,
    )
    assert "清点 19 件" in error.message
    same = (dataclasses.replace(ACCEPT_ALL[0], received_count=20), ACCEPT_ALL[1])
    assert confirm_receipt(m, RECEIVER_P, same, now=T_CONFIRM, context=CONTEXT)


def test_mixed_decisions_make_a_partially_accepted_manifest() -> None:
    receipts = (
        LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", accepted_t=D("3.5"), note="半桶含水"),
        LineReceipt(2, D(2), LineDecision.REJECT, note="标签不符"),
    )
    m = received(*receipts)
    assert m.state is S.PARTIALLY_ACCEPTED
    assert [line.refused_t for line in m.lines] == [D("0.5"), D(2)]
    assert m.lines[1].accepted_t == 0 and m.lines[1].method_code == ""


@pytest.mark.parametrize(
    ("receipt", "field"),
    [
        (LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", note="x"), "lines[1].accepted_t"),
        (
            LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", accepted_t=D(4), note="x"),
            "lines[1].accepted_t",
        ),
        (
            LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", accepted_t=D(0), note="x"),
            "lines[1].accepted_t",
        ),
        (LineReceipt(1, D(4), LineDecision.REJECT), "lines[1].note"),  # refusal needs a reason
        (LineReceipt(1, D(4), LineDecision.ACCEPT), "lines[1].method_code"),
        (LineReceipt(1, D(4), LineDecision.ACCEPT, "G21"), "lines[1].method_code"),  # unconfirmed
        (LineReceipt(1, D(4), LineDecision.ACCEPT, "Y10"), "lines[1].method_code"),  # medical only
        (LineReceipt(1, D(4), LineDecision.ACCEPT, "R12"), "lines[1].method_code"),  # unknown
        (LineReceipt(1, D(-1), LineDecision.REJECT, note="x"), "lines[1].received_t"),
    ],
)
def test_a_receipt_line_that_breaks_a_rule_is_refused_naming_the_field(
    receipt: LineReceipt, field: str
) -> None:
    m = delivered()
    error = refused(
        ValidationError,
        lambda: confirm_receipt(
            m, RECEIVER_P, (receipt, ACCEPT_ALL[1]), now=T_CONFIRM, context=CONTEXT
        ),
        m,
    )
    assert error.field == field


def test_every_line_needs_exactly_one_decision() -> None:
    m = delivered()
    error = refused(
        ValidationError,
        lambda: confirm_receipt(m, RECEIVER_P, ACCEPT_ALL[:1], now=T_CONFIRM, context=CONTEXT),
        m,
    )
    assert "第 2 行未填写接收意见" in error.message
    twice = (ACCEPT_ALL[0], ACCEPT_ALL[0], ACCEPT_ALL[1])
    refused(
        ValidationError,
        lambda: confirm_receipt(m, RECEIVER_P, twice, now=T_CONFIRM, context=CONTEXT),
        m,
    )


def test_a_method_outside_the_licensed_methods_is_refused() -> None:
    licence = dataclasses.replace(
        LICENCE,
        scopes=(dataclasses.replace(LICENCE.scopes[0], methods=("D10",)), LICENCE.scopes[1]),
    )
    m = delivered()
    error = refused(
        TransferBlockedError,
        lambda: confirm_receipt(
            m, RECEIVER_P, ACCEPT_ALL, now=T_CONFIRM, context=ctx(receiver_licences=(licence,))
        ),
        m,
    )
    assert error.rule == "W10" and "R9" in error.message


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (beijing(10, 10, 23, 59), False),  # the fifth working day after 09-26
        (beijing(10, 11, 8, 0), True),
    ],
)
def test_a_receipt_confirmed_after_five_working_days_is_recorded_late(
    at: datetime, late: bool
) -> None:
    m = delivered()
    done = confirm_receipt(m, RECEIVER_P, ACCEPT_ALL, now=at, context=CONTEXT)
    assert done.event.data["late"] is late
    assert done.event.data["receipt_due_on"] == "2025-10-10"


# ---- T8/T9 -----------------------------------------------------------------------------------


def test_a_rejected_manifest_is_not_closed() -> None:
    m = received(
        LineReceipt(1, D(4), LineDecision.REJECT, note="x"),
        LineReceipt(2, D(2), LineDecision.REJECT, note="x"),
    )
    assert m.state is S.REJECTED
    refused(ConflictError, lambda: close(m, now=T_CLOSE), m)


@pytest.mark.parametrize(
    ("disposal", "field"),
    [
        (LineDisposal(1, D("3.99"), date(2025, 10, 15)), "lines[1].disposed_t"),  # > 3.98 accepted
        (LineDisposal(1, D("3.98"), date(2025, 9, 28)), "lines[1].disposed_on"),  # before receipt
        (LineDisposal(1, D("3.98"), date(2025, 10, 21)), "lines[1].disposed_on"),  # future
        (LineDisposal(1, D("3.98"), date(2025, 10, 15), "G22"), "lines[1].method_code"),
    ],
)
def test_a_disposal_result_must_fit_the_accepted_quantity_dates_and_methods(
    disposal: LineDisposal, field: str
) -> None:
    m = closed()
    other = LineDisposal(2, D("2.01"), date(2025, 10, 16))
    error = refused(
        ValidationError,
        lambda: report_disposal(m, RECEIVER_P, (disposal, other), now=T_DISPOSE, context=CONTEXT),
        m,
    )
    assert error.field == field


def test_the_disposed_quantity_may_equal_the_accepted_and_every_accepted_line_is_reported() -> None:
    m = closed()
    one = (LineDisposal(1, D("3.98"), date(2025, 9, 29)),)  # the day of receipt is allowed
    error = refused(
        ValidationError,
        lambda: report_disposal(m, RECEIVER_P, one, now=T_DISPOSE, context=CONTEXT),
        m,
    )
    assert error.field == "lines[2].disposed_t"
    both = (*one, LineDisposal(2, D("2.01"), date(2025, 10, 20)))  # and today
    assert (
        report_disposal(m, RECEIVER_P, both, now=T_DISPOSE, context=CONTEXT).manifest.state
        is S.DISPOSED
    )


# ---- T10: return manifest --------------------------------------------------------------------


def test_rejection_makes_a_linked_return_manifest_back_to_the_consignor() -> None:
    parent = received(
        LineReceipt(1, D("3.9"), LineDecision.REJECT, received_count=20, note="包装破损渗漏"),
        LineReceipt(2, D("2.01"), LineDecision.ACCEPT, "D10"),
    )
    assert parent.state is S.PARTIALLY_ACCEPTED
    done = make_return_manifest(
        parent, GENERATOR, carrier_uscc=CARRIER, now=T_CLOSE, context=CONTEXT
    )
    back = done.manifest
    assert back.state is S.DRAFT and back.number is None and back.version == 1
    assert back.parent_no == NUMBER and back.return_to_origin
    assert back.consignor_uscc == RECEIVER and back.consignor_role is PartyRole.RECEIVER
    assert back.receiver_uscc == GEN and back.shipper_uscc == GEN
    assert [(line.code, line.planned_t, line.package_count) for line in back.lines] == [
        (OIL, D("3.9"), 20)
    ]
    assert done.event.transition == "T10" and done.event.data["parent_no"] == NUMBER
    assert parent.state is S.PARTIALLY_ACCEPTED  # the parent is not changed

    # the original receiver, now its 移出人, submits it; the generator needs no licence
    submitted_back = submit(
        back,
        RECEIVER_P,
        number="20253308000124",
        shipped_t={1: D("3.9")},
        now=T_DISPOSE,
        context=ManifestContext(prefecture_code="3308"),
    )
    assert submitted_back.manifest.state is S.SUBMITTED
    refused(
        PermissionDeniedError,
        lambda: submit(
            back,
            GENERATOR,
            number="20253308000124",
            shipped_t={1: D("3.9")},
            now=T_DISPOSE,
            context=CONTEXT,
        ),
        back,
    )


def test_a_return_to_an_alternate_receiver_needs_its_licence() -> None:
    parent = received(
        LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", accepted_t=D(3), note="部分乳化"),
        ACCEPT_ALL[1],
    )
    error = refused(
        TransferBlockedError,
        lambda: make_return_manifest(
            parent,
            RECEIVER_P,
            carrier_uscc=CARRIER,
            receiver_uscc=ALTERNATE,
            now=T_CLOSE,
            context=CONTEXT,
        ),
        parent,
    )
    assert error.rule == "W10"
    licensed = ctx(receiver_licences=(dataclasses.replace(LICENCE, holder_uscc=ALTERNATE),))
    back = make_return_manifest(
        parent,
        RECEIVER_P,
        carrier_uscc=CARRIER,
        receiver_uscc=ALTERNATE,
        now=T_CLOSE,
        context=licensed,
    ).manifest
    assert back.receiver_uscc == ALTERNATE and not back.return_to_origin
    assert back.lines[0].planned_t == D(1) and back.shipper_uscc == RECEIVER


def test_a_closed_manifest_with_refused_waste_can_still_be_returned_but_not_one_without() -> None:
    partial = received(
        LineReceipt(1, D(4), LineDecision.PARTIAL, "R9", accepted_t=D(3), note="部分乳化"),
        ACCEPT_ALL[1],
    )
    closed_partial = close(partial, now=T_CLOSE).manifest
    assert (
        make_return_manifest(
            closed_partial, GENERATOR, carrier_uscc=CARRIER, now=T_DISPOSE, context=CONTEXT
        ).manifest.parent_no
        == NUMBER
    )
    full = closed()
    error = refused(
        ConflictError,
        lambda: make_return_manifest(
            full, GENERATOR, carrier_uscc=CARRIER, now=T_DISPOSE, context=CONTEXT
        ),
        full,
    )
    assert "没有拒收" in error.message


# ---- T11: correction -------------------------------------------------------------------------


def test_a_correction_is_a_new_version_and_the_old_version_is_kept() -> None:
    old = in_transit()
    opened = start_correction(old, GENERATOR, reason="转移量录入错误", now=T_RELAY)
    assert opened.manifest.version == 2 and opened.manifest.state is S.UNDER_CORRECTION
    assert old.version == 1 and old.state is S.IN_TRANSIT and old.correction is None
    assert opened.event.transition == "T11" and opened.event.data["previous_version"] == 1

    change = CorrectionInput(lines=(LineCorrection(1, shipped_t=D("4.2")),))
    done = finish_correction(opened.manifest, GENERATOR, change, now=T_RELAY, context=CONTEXT)
    fixed = done.manifest
    assert fixed.version == 2 and fixed.state is S.IN_TRANSIT and fixed.correction is None
    assert fixed.lines[0].shipped_t == D("4.2") and old.lines[0].shipped_t == D("4.00")
    assert done.event.data["changes"] == [
        {"field": "lines[1].shipped_t", "before": "4", "after": "4.2"}
    ]
    resigned = fixed.signature(Section.CONSIGNOR)
    assert resigned is not None and resigned.signed_at == T_RELAY
    # the ordinary flow goes on from the corrected version
    assert (
        deliver(fixed, CARRIER_P, end_place="厂区", now=T_DELIVER, context=CONTEXT).manifest.version
        == 2
    )


def test_one_correction_at_a_time_and_every_other_step_waits_for_it() -> None:
    opened = start_correction(in_transit(), CARRIER_P, reason="车牌录错", now=T_RELAY).manifest
    refused(
        ConflictError,
        lambda: start_correction(opened, GENERATOR, reason="再改", now=T_RELAY),
        opened,
    )
    refused(
        ConflictError,
        lambda: deliver(opened, CARRIER_P, end_place="厂区", now=T_DELIVER, context=CONTEXT),
        opened,
    )


def test_a_party_corrects_only_its_own_section() -> None:
    opened = start_correction(received(), RECEIVER_P, reason="复磅", now=T_CLOSE).manifest
    theirs = CorrectionInput(lines=(LineCorrection(1, received_t=D("3.97")),))
    error = refused(
        PermissionDeniedError,
        lambda: finish_correction(opened, GENERATOR, theirs, now=T_CLOSE, context=CONTEXT),
        opened,
    )
    assert "接受人接收部分" in error.message and error.field == "lines[1].received_t"
    mine = CorrectionInput(lines=(LineCorrection(1, shipped_t=D("4.01")),))
    refused(
        PermissionDeniedError,
        lambda: finish_correction(opened, RECEIVER_P, mine, now=T_CLOSE, context=CONTEXT),
        opened,
    )
    leg = CorrectionInput(legs=(LegCorrection(1, start_place="柯城区某厂二号门"),))
    refused(
        PermissionDeniedError,
        lambda: finish_correction(opened, RECEIVER_P, leg, now=T_CLOSE, context=CONTEXT),
        opened,
    )
    done = finish_correction(opened, RECEIVER_P, theirs, now=T_CLOSE, context=CONTEXT).manifest
    assert done.state is S.ACCEPTED and done.lines[0].accepted_t == D("3.97")
    carried = finish_correction(opened, CARRIER_P, leg, now=T_CLOSE, context=CONTEXT).manifest
    assert carried.legs[0].start_place == "柯城区某厂二号门"
    assert carried.signature(Section.TRANSPORT, 1) is not None


def test_a_corrected_receipt_is_judged_for_discrepancy_again() -> None:
    opened = start_correction(received(), RECEIVER_P, reason="复磅", now=T_CLOSE).manifest
    far = CorrectionInput(lines=(LineCorrection(1, received_t=D("3.5")),))  # 12.5 % short
    refused(
        ValidationError,
        lambda: finish_correction(opened, RECEIVER_P, far, now=T_CLOSE, context=CONTEXT),
        opened,
    )
    noted = CorrectionInput(
        lines=(LineCorrection(1, received_t=D("3.5"), discrepancy_note="漏液"),)
    )
    done = finish_correction(opened, RECEIVER_P, noted, now=T_CLOSE, context=CONTEXT).manifest
    assert done.lines[0].discrepancy


def test_the_eeb_may_correct_any_section_and_an_empty_correction_is_refused() -> None:
    opened = start_correction(
        received(), REGULATOR, reason="执法检查发现填报错误", now=T_CLOSE
    ).manifest
    assert opened.correction is not None and opened.correction.started_by == REGULATOR
    refused(
        ValidationError,
        lambda: finish_correction(
            opened, REGULATOR, CorrectionInput(), now=T_CLOSE, context=CONTEXT
        ),
        opened,
    )
    both = CorrectionInput(
        lines=(LineCorrection(1, shipped_t=D("4.01"), received_t=D("3.99")),),
        emergency_measures="泄漏时围堵并报告",
    )
    done = finish_correction(opened, REGULATOR, both, now=T_CLOSE, context=CONTEXT).manifest
    assert done.lines[0].shipped_t == D("4.01") and done.lines[0].received_t == D("3.99")
    assert done.emergency_measures == "泄漏时围堵并报告"


def test_a_correction_needs_a_reason() -> None:
    m = submitted()
    error = refused(
        ValidationError, lambda: start_correction(m, GENERATOR, reason="", now=T_DEPART), m
    )
    assert error.field == "reason"


# ---- T12: paper backfill ---------------------------------------------------------------------


def _paper(**changes: Any) -> Manifest:
    accepted = received()
    paper_signatures = tuple(
        Signature(
            sig.section,
            sig.role,
            sig.uscc,
            sig.user,
            sig.signed_at,
            SignatureMethod.PAPER,
            sig.leg_order,
        )
        for sig in accepted.signatures
    )
    base = dataclasses.replace(
        accepted,
        number="20253308000200",
        signatures=paper_signatures,
        legs=(
            TransportLeg(
                1,
                CARRIER,
                "浙H12345",
                "浙交运管衢字330800012345",
                ("D001", "E001"),
                "厂区",
                T_DEPART,
                "处置厂",
                T_DELIVER,
            ),
        ),
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (beijing(10, 16, 18), False),  # the tenth working day after 09-26 (National Day between)
        (beijing(10, 17, 9), True),
    ],
)
def test_a_paper_manifest_is_back_entered_and_takes_the_state_the_paper_reached(
    at: datetime, late: bool
) -> None:
    entered = backfill_paper(
        _paper(), GENERATOR, scan_ref="scan/20253308000200.pdf", now=at, context=CONTEXT
    )
    m = entered.manifest
    assert m.state is S.PAPER_BACKFILL and m.paper and m.backfill_due_on == date(2025, 10, 16)
    assert entered.event.transition == "T12" and entered.event.data["late"] is late
    assert entered.event.data["paper_state"] == "accepted"
    done = complete_backfill(m, RECEIVER_P, now=at)
    assert done.manifest.state is S.ACCEPTED and done.event.from_state is S.PAPER_BACKFILL
    refused(PermissionDeniedError, lambda: complete_backfill(m, CARRIER_P, now=at), m)


@pytest.mark.parametrize(
    ("changes", "scan", "field"),
    [
        ({}, "", "scan_ref"),
        ({"number": "2025330800020"}, "scan.pdf", "number"),
        ({"delivered_at": None}, "scan.pdf", "delivered_at"),
        ({"signatures": ()}, "scan.pdf", "signatures"),
    ],
)
def test_a_paper_backfill_needs_number_scan_finished_transfer_and_paper_signatures(
    changes: dict[str, Any], scan: str, field: str
) -> None:
    paper = _paper(**changes)
    error = refused(
        ValidationError,
        lambda: backfill_paper(
            paper, GENERATOR, scan_ref=scan, now=beijing(10, 10), context=CONTEXT
        ),
        paper,
    )
    assert error.field == field


def test_an_electronic_signature_on_a_paper_form_is_refused() -> None:
    paper = _paper(signatures=received().signatures)
    error = refused(
        ValidationError,
        lambda: backfill_paper(
            paper, GENERATOR, scan_ref="scan.pdf", now=beijing(10, 10), context=CONTEXT
        ),
        paper,
    )
    assert "纸质签章" in error.message


# ---- general solid waste, time ---------------------------------------------------------------


def test_general_solid_waste_skips_the_catalogue_plan_licence_and_vehicle_checks() -> None:
    slag = LineInput(
        code="SW17", name="炉渣", form="固态", packaging="散装", package_count=0, planned_t=D(30)
    )
    draft = DraftInput(RECEIVER, CARRIER, (slag,), waste_kind=WasteKind.GENERAL_SOLID)
    bare = ManifestContext(prefecture_code="3308")
    m = create_draft(GENERATOR, draft, now=T_DRAFT, context=bare).manifest
    assert m.catalogue_edition == "" and m.lines[0].category == "" and m.plan_filing_no == ""
    m = submit(
        m, GENERATOR, number=NUMBER, shipped_t={1: D(30)}, now=T_SUBMIT, context=bare
    ).manifest
    truck = LegInput("浙H00001", ("司机甲",), "厂区", labels_match=True)
    m = depart(m, CARRIER_P, truck, now=T_DEPART, context=bare).manifest
    m = deliver(m, CARRIER_P, end_place="建材厂", now=T_DELIVER, context=bare).manifest
    receipt = (LineReceipt(1, D("29.5"), LineDecision.ACCEPT, "综合利用"),)
    m = confirm_receipt(m, RECEIVER_P, receipt, now=T_CONFIRM, context=bare).manifest
    assert m.state is S.ACCEPTED and m.lines[0].method_code == "综合利用"


def test_a_step_may_not_be_dated_before_the_previous_one_nor_without_a_time_zone() -> None:
    m = submitted()
    error = refused(
        ValidationError, lambda: depart(m, CARRIER_P, LEG, now=T_DRAFT, context=CONTEXT), m
    )
    assert error.field == "now"
    naive = datetime(2025, 9, 26, 9, 0)  # noqa: DTZ001 - the naive time under test
    refused(ValidationError, lambda: depart(m, CARRIER_P, LEG, now=naive, context=CONTEXT), m)


def test_waste_found_different_in_kind_is_a_discrepancy_that_needs_a_note() -> None:
    """转移办法 第十八条: what arrived differs from the manifest (here the form) — the line is
    flagged and the receiver must explain it; the same form as stated is no difference."""
    different = LineReceipt(1, D("4"), LineDecision.ACCEPT, "R9", found_form="半固态")
    with pytest.raises(ValidationError) as caught:
        confirm_receipt(delivered(), RECEIVER_P, (different, ACCEPT_ALL[1]), now=T_CONFIRM,
                        context=CONTEXT)  # fmt: skip
    assert caught.value.field == "lines[1].note" and "形态为 半固态" in caught.value.message
    explained = dataclasses.replace(different, note="到货为半固态油泥，已告知移出人")
    m = confirm_receipt(delivered(), RECEIVER_P, (explained, ACCEPT_ALL[1]), now=T_CONFIRM,
                        context=CONTEXT).manifest  # fmt: skip
    assert m.lines[0].discrepancy and m.lines[0].found_form == "半固态"
    same = dataclasses.replace(different, found_form="液态")  # as stated: no difference
    m = confirm_receipt(delivered(), RECEIVER_P, (same, ACCEPT_ALL[1]), now=T_CONFIRM,
                        context=CONTEXT).manifest  # fmt: skip
    assert not m.lines[0].discrepancy and m.lines[0].found_form == ""
