"""Use cases of surface-water assessment: section verdicts for a period, a section's monthly
trend, and the shares of rivers and counties (definitions in ``monitoring.rules.water``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, NotFoundError, Permission, ValidationError, ensure
from ecociv.monitoring.model import SiteKind, SiteRecord
from ecociv.monitoring.rules import water as rules
from ecociv.monitoring.rules.water import SectionVerdict, WaterGroupSummary
from ecociv.monitoring.services import get_site, list_sites

#: The kinds judged by GB 3838-2002: surface-water sections and drinking-water sources.
WATER_KINDS = (SiteKind.WATER_SECTION, SiteKind.DRINKING_WATER_SOURCE)


@dataclass(frozen=True, slots=True)
class SectionResult:
    """A site and its verdict for the period asked."""

    site: SiteRecord
    verdict: SectionVerdict


@dataclass(frozen=True, slots=True)
class SectionTrend:
    """A section's twelve monthly verdicts and its annual verdict for one year."""

    site: SiteRecord
    year: int
    months: tuple[SectionVerdict, ...]
    annual: SectionVerdict


def _period(text: str) -> tuple[int, int | None]:
    try:
        return rules.parse_period(text)
    except ValueError:
        raise ValidationError(
            f"时段应为 YYYY 或 YYYY-MM，而非 “{text}” (period must be YYYY or YYYY-MM)",
            field="period",
        ) from None


def _means(
    store: ReadingsStore, codes: Sequence[str], year: int, month: int | None
) -> dict[str, tuple[dict[str, float], int]]:
    """Per site: the item means of the period and the number of sampled days."""
    found: dict[str, tuple[dict[str, float], int]] = {}
    if month is None:
        for site, parameter, y, mean, days, _coverage in store.annual(codes):
            if y == year:
                means, samples = found.get(site, ({}, 0))
                means[parameter] = mean
                found[site] = (means, max(samples, days))
    else:
        for site, parameter, y, m, mean, days, _coverage in store.monthly(codes):
            if (y, m) == (year, month):
                means, samples = found.get(site, ({}, 0))
                means[parameter] = mean
                found[site] = (means, max(samples, days))
    return found


def _verdict(
    site: SiteRecord, period: str, means: dict[str, float], samples: int
) -> SectionVerdict:
    return rules.section_verdict(
        site.code,
        period,
        means,
        target_class=site.target_class,
        water_body=site.water_body_value,
        samples=samples,
    )


def water_sites(
    db: Database,
    actor: Actor,
    *,
    kind: str | None = None,
    river: str | None = None,
    county_code: str | None = None,
) -> list[SiteRecord]:
    """Water sections and drinking-water sources, filtered by kind, river and county."""
    if kind and kind not in {k.value for k in WATER_KINDS}:
        raise ValidationError(
            f"“{kind[:40]}” 不是水质点位类型 (not a water site kind): "
            + ", ".join(k.value for k in WATER_KINDS),
            field="kind",
        )
    kinds = [SiteKind(kind)] if kind else list(WATER_KINDS)
    sites = [
        site
        for k in kinds
        if k in WATER_KINDS
        for site in list_sites(db, actor, kind=k.value, county_code=county_code)
    ]
    return [s for s in sites if not river or s.river == river]


def section_verdicts(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    period: str,
    kind: str | None = None,
    river: str | None = None,
    county_code: str | None = None,
) -> list[SectionResult]:
    """Every matching site with its class, attainment and exceedances for ``period`` (a year
    ``YYYY`` or a month ``YYYY-MM``); a site without data in the period has no class."""
    ensure(actor, Permission.MONITORING_READ)
    year, month = _period(period)
    sites = water_sites(db, actor, kind=kind, river=river, county_code=county_code)
    means = _means(store, [s.code for s in sites], year, month)
    return [
        SectionResult(site, _verdict(site, period, *means.get(site.code, ({}, 0))))
        for site in sites
    ]


def section_trend(
    db: Database, store: ReadingsStore, actor: Actor, code: str, *, year: int
) -> SectionTrend:
    """A section's monthly class and item means through ``year``, and its annual class."""
    ensure(actor, Permission.MONITORING_READ)
    site = get_site(db, actor, code)
    if site.kind not in WATER_KINDS:
        raise NotFoundError(f"{code} 不是地表水断面或水源地 (not a water site)", field="code")
    monthly: dict[int, tuple[dict[str, float], int]] = {}
    for _site, parameter, y, m, mean, days, _coverage in store.monthly(code):
        if y == year:
            means, samples = monthly.get(m, ({}, 0))
            means[parameter] = mean
            monthly[m] = (means, max(samples, days))
    months = tuple(
        _verdict(site, f"{year}-{m:02d}", *monthly.get(m, ({}, 0))) for m in range(1, 13)
    )
    annual = _means(store, [code], year, None).get(code, ({}, 0))
    return SectionTrend(site, year, months, _verdict(site, str(year), *annual))


def water_summary(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    period: str,
    by: str = "county",
    kind: str = SiteKind.WATER_SECTION.value,
) -> list[WaterGroupSummary]:
    """Shares of sections at class III or better, worse than V and attaining their target,
    per county (by county name) or per river, with the whole city last (key 衢州市)."""
    if by not in ("county", "river"):
        raise ValidationError("by 应为 county 或 river (by must be county or river)", field="by")
    results = section_verdicts(db, store, actor, period=period, kind=kind)
    keys = {
        r.site.code: (r.site.county_name_zh if by == "county" else r.site.river) for r in results
    }
    verdicts = [r.verdict for r in results]
    groups = rules.group_by(verdicts, keys)
    out = [rules.summarise(key, group) for key, group in sorted(groups.items())]
    out.append(rules.summarise("衢州市", verdicts))
    return out
