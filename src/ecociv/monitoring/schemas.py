"""API request and response models for monitoring sites."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ecociv.kernel.inputs import Input
from ecociv.monitoring.model import ControlLevel, LandUse, SiteKind, WaterBody


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: SiteKind
    county_code: str
    county_name_zh: str
    river: str
    control_level: ControlLevel | None = Field(description="国控 / 省控 / 市控 / 交接断面")
    target_class: int | None = Field(description="GB 3838-2002 target class 1-5 (sections only)")
    river_chief: str = Field(description="河长")
    water_body: WaterBody | None = Field(description="river / lake / reservoir (GB 3838 TP)")
    land_use: LandUse | None = Field(description="soil points: GB 15618-2018 land use")
    longitude: float | None = Field(description="GCJ-02")
    latitude: float | None = Field(description="GCJ-02")
    is_synthetic: bool = Field(description="true for synthetic demo records")


class SiteImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    unchanged: int


class ReadingIn(Input):
    site_code: str
    parameter: str
    observed_at: str = Field(description="ISO 8601; without a zone it is Beijing time")
    value: float | str = Field(description="a finite number")
    flag: str = ""


class ReadingsBatchIn(Input):
    source: str = Field(min_length=1, max_length=200, description="where the batch came from")
    accept_partial: bool = Field(
        default=False, description="store the good readings even if some are bad"
    )
    readings: list[ReadingIn] = Field(max_length=200_000)


class RejectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row_number: int = Field(description="1-based position in the batch (header is row 1 in files)")
    field: str
    message: str


class LoadOut(BaseModel):
    load_id: int
    rows_in: int
    inserted: int
    unchanged: int
    replaced: int
    rejected: int
    applied: bool = Field(description="false when a bad row stopped the whole batch")
    rejects: list[RejectOut]


class ExceedanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item: str
    name_zh: str
    value: float
    multiple: float = Field(description="超标倍数 (C - L) / L, GB 3838-2002 §5.1")


class SectionVerdictOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site_code: str
    period: str
    water_class: int = Field(description="1-6 (I-V, 劣V); 0 without data")
    label: str
    status_zh: str
    colour: str
    target_class: int | None
    attains: bool | None
    deciding_items: tuple[str, ...]
    over_target: tuple[ExceedanceOut, ...]
    main_pollutants: tuple[ExceedanceOut, ...]
    means: dict[str, float]
    samples: int


class SectionResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site: SiteOut
    verdict: SectionVerdictOut


class SectionTrendOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site: SiteOut
    year: int
    months: tuple[SectionVerdictOut, ...]
    annual: SectionVerdictOut


class WaterGroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    sections: int
    judged: int
    good: int
    worse_than_v: int
    with_target: int
    attaining: int
    good_share: float | None = Field(description="share at class III or better")
    worse_than_v_share: float | None
    attainment_share: float | None
    class_counts: dict[str, int]


class SoilVerdictOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site_code: str
    category: int = Field(description="1 优先保护, 2 安全利用, 3 严格管控, 0 not judged")
    label: str
    ph: float | None
    values: dict[str, float]
    above_screening: tuple[tuple[str, float, float], ...]
    above_intervention: tuple[tuple[str, float, float], ...]
    monitoring_needed: bool
    reason: str


class SoilResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site: SiteOut
    verdict: SoilVerdictOut
    sampled_on: str


class SoilSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    points: int
    judged: int
    counts: dict[str, int]


class QualityFigureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    indicator_code: str
    measure_zh: str
    measure_en: str
    area: str
    year: int
    value: float | None
    unit: str
    basis: str
    count: int
