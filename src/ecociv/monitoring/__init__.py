"""Monitoring sites (water sections, drinking-water sources, air stations, soil points) and
their readings, stored in the DuckDB readings store and aggregated in portable SQL."""

from ecociv.monitoring.model import (
    CONTROL_LEVEL_NAMES,
    SITE_KIND_NAMES,
    AnnualMean,
    ControlLevel,
    DailyMean,
    MonthlyMean,
    SiteKind,
    SiteRecord,
)
from ecociv.monitoring.services import (
    READING_COLUMNS,
    SITE_COLUMNS,
    ReadingImport,
    SiteImportResult,
    annual_means,
    daily_means,
    get_site,
    import_readings,
    import_sites,
    list_sites,
    monthly_means,
    site_codes,
)

__all__ = [
    "CONTROL_LEVEL_NAMES",
    "READING_COLUMNS",
    "SITE_COLUMNS",
    "SITE_KIND_NAMES",
    "AnnualMean",
    "ControlLevel",
    "DailyMean",
    "MonthlyMean",
    "ReadingImport",
    "SiteImportResult",
    "SiteKind",
    "SiteRecord",
    "annual_means",
    "daily_means",
    "get_site",
    "import_readings",
    "import_sites",
    "list_sites",
    "monthly_means",
    "site_codes",
]
