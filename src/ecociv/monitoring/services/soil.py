"""Use cases of farmland soil: each point's category and the counts per county (definitions in
``monitoring.rules.soil``)."""

from __future__ import annotations

from dataclasses import dataclass

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission, ensure
from ecociv.monitoring.model import LandUse, SiteKind, SiteRecord
from ecociv.monitoring.rules import soil as rules
from ecociv.monitoring.rules.soil import SoilCountySummary, SoilVerdict
from ecociv.monitoring.services import list_sites


@dataclass(frozen=True, slots=True)
class SoilResult:
    site: SiteRecord
    verdict: SoilVerdict
    sampled_on: str  # local date of the latest sample ("" when none)


def soil_verdicts(
    db: Database, store: ReadingsStore, actor: Actor, *, county_code: str | None = None
) -> list[SoilResult]:
    """Every soil point with the category of its latest sample of each item."""
    ensure(actor, Permission.MONITORING_READ)
    sites = list_sites(db, actor, kind=SiteKind.SOIL_POINT.value, county_code=county_code)
    latest: dict[str, dict[str, tuple[float, str]]] = {}
    for site_code, parameter, day_on, mean, _hours, _coverage in store.daily(
        [s.code for s in sites]
    ):
        latest.setdefault(site_code, {})[parameter] = (mean, day_on.isoformat())
    out = []
    for site in sites:
        found = latest.get(site.code, {})
        values = {parameter: value for parameter, (value, _day) in found.items()}
        land_use = (site.land_use or LandUse.OTHER).value
        out.append(
            SoilResult(
                site,
                rules.point_verdict(site.code, values, land_use),
                max((day for _value, day in found.values()), default=""),
            )
        )
    return out


def soil_summary(db: Database, store: ReadingsStore, actor: Actor) -> list[SoilCountySummary]:
    """Points per farmland category in each county, the whole city last (key 衢州市)."""
    results = soil_verdicts(db, store, actor)
    groups: dict[str, list[SoilVerdict]] = {}
    for result in results:
        groups.setdefault(result.site.county_name_zh, []).append(result.verdict)
    out = [rules.summarise(key, group) for key, group in sorted(groups.items())]
    out.append(rules.summarise("衢州市", [r.verdict for r in results]))
    return out
