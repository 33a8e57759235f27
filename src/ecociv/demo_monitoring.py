"""Synthetic monitoring data for the Quzhou demo: 68 sites and one year of their readings.

**Everything here is synthetic.** The sites (``monitoring/data/demo_sites.csv``) and every
reading are invented for the demo: names echo rivers of Quzhou, but codes, positions, classes,
river chiefs and values are made up, the sites are stored with ``is_synthetic`` set, and every
readings load names itself ``demo-synthetic-<medium>-<year>``. Nothing here is a measurement.

The readings are generated with a seeded NumPy generator, so a seed gives the same year
everywhere, and they are shaped to look like a plausible year so that every page has something
true to show:

- **Water** (24 sections, 6 drinking-water sources): one sample a month (about the 10th,
  10:00 local) of the GB 3838-2002 items, mostly class II–III with seasonality (warm water holds
  less oxygen, so DO is lowest in summer; farmland runoff raises TP and NH3-N in summer at
  some sections, low winter flow raises NH3-N at town sections); one boundary section has a
  劣V month of NH3-N after the plum-rain storms, one section is class IV from TP in summer.
- **Air** (8 stations): hourly SO2, NO2, PM10, PM2.5, O3 (µg/m³) and CO (mg/m³) for the whole
  year, stamped at the hour start. A shared regional weather signal correlates the stations;
  PM2.5 is high in winter and low in summer, O3 peaks in the afternoon and in late spring and
  early autumn; a four-day January haze (PM2.5 daily means above 115), a December haze, a spring
  dust day and two ozone episodes; scattered missing hours, days with too few hours and whole
  missing days, so the validity rules have something to reject.
- **Soil** (30 farmland points): one autumn sample each (GB 15618-2018 metals and pH), mostly
  below screening, three acidic paddies with Cd between screening and intervention, one paddy
  above the Cd intervention value, and one orchard with Cu above screening.

Generation is vectorised (about 0.1 s for the whole year) and each medium is loaded with one
``ReadingsStore.load`` call; the ~426,000 rows load in about 4–5 s, most of it spent turning
rows into objects and back into columns around the store's row-based ``load``.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC
from importlib import resources
from itertools import count
from typing import Any

import numpy as np
import numpy.typing as npt

from ecociv import monitoring
from ecociv.adapters.db import Database
from ecociv.adapters.readings import LoadResult, ReadingRow, ReadingsStore
from ecociv.kernel import Actor, Clock, SystemClock

SEED = 20250610
YEAR = 2025
MEDIA = ("water", "air", "soil")
SOURCE_PREFIX = "demo-synthetic-"

FloatArray = npt.NDArray[np.float64]
_HOUR = np.timedelta64(1, "h")
_LOCAL_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai, no daylight saving time

AIR_PARAMETERS = ("so2", "no2", "pm10", "pm25", "o3", "co")
WATER_PARAMETERS = (
    "wt",
    "ph",
    "do",
    "codmn",
    "cod",
    "bod5",
    "nh3n",
    "tp",
    "tn",
    "cu",
    "zn",
    "f",
    "se",
    "as",
    "hg",
    "cd",
    "cr6",
    "pb",
    "cn",
    "vphenol",
    "petroleum",
    "las",
    "s2",
    "fcoli",
)
SOIL_PARAMETERS = ("cd", "hg", "as", "pb", "cr", "cu", "ni", "zn", "ph")


def source_for(medium: str, year: int = YEAR) -> str:
    """The ``source`` a demo load records, e.g. ``demo-synthetic-air-2025``."""
    return f"{SOURCE_PREFIX}{medium}-{year}"


# ---- sites --------------------------------------------------------------------------------


def demo_site_rows() -> list[dict[str, str]]:
    """The synthetic demo sites shipped with the package (every row marked synthetic)."""
    data = resources.files("ecociv.monitoring").joinpath("data", "demo_sites.csv")
    with data.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_monitoring_sites(db: Database, actor: Actor) -> int:
    """Import the demo sites as synthetic; return how many were created (0 the second time)."""
    return monitoring.import_sites(db, actor, demo_site_rows(), synthetic=True).created


# ---- readings as columns ------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """Readings of one medium as parallel arrays; ``observed_at`` is UTC (naive, whole
    seconds)."""

    site_code: npt.NDArray[np.str_]
    parameter: npt.NDArray[np.str_]
    observed_at: npt.NDArray[np.datetime64]
    value: FloatArray

    def __len__(self) -> int:
        return len(self.value)

    def rows(self) -> list[ReadingRow]:
        """The readings as store rows (one aware datetime object per distinct instant)."""
        instants, index = np.unique(self.observed_at, return_inverse=True)
        aware = [
            moment.replace(tzinfo=UTC)
            for moment in instants.astype("datetime64[us]").astype(object).tolist()
        ]
        return list(
            map(
                ReadingRow,
                count(1),
                self.site_code.tolist(),
                self.parameter.tolist(),
                map(aware.__getitem__, index.tolist()),
                self.value.tolist(),
            )
        )


def _columns(
    sites: list[npt.NDArray[Any]],
    parameters: list[npt.NDArray[Any]],
    times: list[npt.NDArray[Any]],
    values: list[npt.NDArray[Any]],
) -> Columns:
    return Columns(
        np.concatenate(sites) if sites else np.array([], dtype=str),
        np.concatenate(parameters) if parameters else np.array([], dtype=str),
        np.concatenate(times).astype("datetime64[s]") if times else np.array([], "datetime64[s]"),
        np.concatenate(values).astype(np.float64) if values else np.array([], np.float64),
    )


def _sites_of(kind: str) -> list[dict[str, str]]:
    return sorted((r for r in demo_site_rows() if r["kind"] == kind), key=lambda r: r["code"])


def _local(year: int, month: int, day: int, hour: int) -> np.datetime64:
    """A local (Asia/Shanghai) clock time as a UTC numpy instant."""
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:00") - _LOCAL_OFFSET


def _ar1(rng: np.random.Generator, n: int, phi: float, shape: tuple[int, ...] = ()) -> FloatArray:
    """A standardised AR(1) series of length ``n`` along the last axis (unit variance)."""
    shocks = rng.standard_normal((*shape, n)) * np.sqrt(1 - phi**2)
    out = np.empty((*shape, n))
    out[..., 0] = rng.standard_normal(shape)
    for t in range(1, n):
        out[..., t] = phi * out[..., t - 1] + shocks[..., t]
    return out


# ---- air ----------------------------------------------------------------------------------

#: Per-station multipliers of PM, NO2, SO2 and O3 (urban stations see more traffic NO2 and
#: less night-time O3 titration; the background station in the source forests is cleanest).
_AIR_PROFILE = {
    "QZA01": (1.08, 1.25, 1.20, 0.95),
    "QZA02": (1.04, 1.10, 1.10, 0.98),
    "QZA03": (1.00, 0.95, 1.05, 1.00),
    "QZA04": (1.02, 0.95, 1.10, 1.00),
    "QZA05": (0.97, 0.90, 0.95, 1.00),
    "QZA06": (0.95, 0.85, 1.00, 1.00),
    "QZA07": (0.88, 0.80, 0.85, 1.02),
    "QZA08": (0.72, 0.45, 0.60, 1.02),
}

#: January haze: regional PM2.5 daily level (µg/m³ at a station of scale 1) by date.
_HAZE = {
    (1, 13): 72.0,
    (1, 14): 128.0,
    (1, 15): 136.0,
    (1, 16): 148.0,
    (1, 17): 132.0,
    (1, 18): 52.0,
    (12, 17): 70.0,
    (12, 18): 96.0,
    (12, 19): 108.0,
    (12, 20): 64.0,
}
_DUST = {(3, 27): 2.2, (3, 28): 3.1, (3, 29): 2.0}  # PM10 / PM2.5 ratio on a spring dust day
_OZONE = {(5, 19): 1.7, (5, 20): 2.1, (5, 21): 2.2, (5, 22): 1.6, (9, 9): 1.9, (9, 10): 2.1}

#: (station, first local day, days) with no data at all: maintenance, a lightning strike.
_MISSING_DAYS = (("QZA06", (4, 8), 3), ("QZA08", (7, 22), 1), ("QZA02", (11, 3), 1))
#: (station, local day, first hour, hours) lost to an analyser fault: fewer than 20 hours left.
_MISSING_SPANS = (("QZA05", (3, 5), 9, 7), ("QZA03", (8, 19), 6, 5), ("QZA07", (10, 14), 0, 4))
#: (station, parameter, local day): one analyser down for a whole day.
_MISSING_PARAMETER_DAYS = (("QZA04", "o3", (6, 2)), ("QZA01", "so2", (2, 24)))


def _day_index(year: int, month_day: tuple[int, int]) -> int:
    """The 0-based day of the year of a (month, day)."""
    day = np.datetime64(f"{year:04d}-{month_day[0]:02d}-{month_day[1]:02d}", "D")
    return int((day - np.datetime64(f"{year:04d}-01-01", "D")).astype(np.int64))


def generate_air(year: int = YEAR, seed: int = SEED) -> Columns:
    """One year of hourly air readings at every demo air station (synthetic)."""
    rng = np.random.default_rng([seed, 2])
    stations = [r["code"] for r in _sites_of("air_station")]
    n_st = len(stations)
    start = np.datetime64(f"{year:04d}-01-01T00", "h")
    days = _day_index(year, (12, 31)) + 1
    hours = days * 24
    t = np.arange(hours)
    day = t // 24
    hod = t % 24
    phase = 2 * np.pi * (t / 24 - 9.5) / days  # 0 around 10 January, the coldest time
    winter = np.cos(phase)  # +1 mid-January, -1 mid-July

    # Regional weather: stagnation (holds pollution), sunshine (makes ozone); daily, smooth.
    stagnation_d = _ar1(rng, days, 0.75)
    sunshine_d = _ar1(rng, days, 0.55)
    for month_day, level in _OZONE.items():
        sunshine_d[_day_index(year, month_day)] = level
    centres = np.arange(days) + 0.5

    def hourly(daily: FloatArray) -> FloatArray:
        return np.interp(t / 24 + 1 / 48, centres, daily)

    stagnation = hourly(stagnation_d)
    station_d = _ar1(rng, days, 0.5, (n_st,))
    station_h = np.stack([hourly(row) for row in station_d])
    noise = rng.standard_normal((len(AIR_PARAMETERS), n_st, hours))
    profile = np.array([_AIR_PROFILE.get(code, (1.0, 1.0, 1.0, 1.0)) for code in stations])
    pm_scale, no2_scale, so2_scale, o3_scale = (profile[:, i, None] for i in range(4))

    # PM2.5: seasonal base, regional and local weather, a diurnal cycle (night highs, afternoon
    # mixing lows), then the haze episodes fixed by date.
    season_pm = 28 + 17 * winter + 4 * winter**2
    regional_pm = np.exp(0.3 * stagnation)
    haze_d = np.ones(days)
    for month_day, level in _HAZE.items():
        d = _day_index(year, month_day)
        haze_d[d] = level / (season_pm[d * 24 + 12] * np.exp(0.3 * stagnation_d[d]))
    haze = hourly(haze_d)
    diurnal_pm = (
        1 + 0.12 * np.cos(2 * np.pi * (hod - 22) / 24) + 0.07 * np.cos(2 * np.pi * (hod - 8) / 12)
    )
    pm25 = (
        pm_scale
        * season_pm
        * regional_pm
        * haze
        * diurnal_pm
        * np.exp(0.2 * station_h + 0.10 * noise[3])
    )

    # PM10: a ratio to PM2.5, coarser in spring (dry, windy), finer in haze, dust days fixed.
    ratio_d = 1.55 + 0.18 * np.exp(-(((np.arange(days) - 95) / 30) ** 2)) - 0.12 * (haze_d > 1.5)
    for month_day, ratio in _DUST.items():
        ratio_d[_day_index(year, month_day)] = ratio
    pm10 = pm25 * np.maximum(hourly(ratio_d) * np.exp(0.06 * noise[2]), 1.15)

    # NO2: traffic peaks morning and evening, photolysis low in the afternoon, winter high.
    diurnal_no2 = (
        1 + 0.22 * np.cos(2 * np.pi * (hod - 21) / 24) + 0.12 * np.cos(2 * np.pi * (hod - 8) / 12)
    )
    no2 = (
        no2_scale
        * (26 + 9 * winter)
        * diurnal_no2
        * np.exp(0.25 * stagnation + 0.10 * station_h + 0.15 * noise[1])
    )

    # SO2: low everywhere; a late-morning fumigation peak, higher in winter.
    so2 = (
        so2_scale
        * (7 + 3 * winter)
        * (1 + 0.18 * np.cos(2 * np.pi * (hod - 11) / 24))
        * np.exp(0.2 * stagnation + 0.2 * noise[0])
    )

    # CO follows combustion, as PM2.5 does.
    co = (0.32 + 0.0085 * pm25) * np.exp(0.08 * noise[5])

    # O3: a daily peak (season, sunshine, a plum-rain dip in late June) reached mid-afternoon,
    # a low night-time floor; urban stations titrate a little more.
    doy = np.arange(days)
    season_o3 = (
        70
        + 58 * np.exp(-(((doy - 140) / 45) ** 2))
        + 48 * np.exp(-(((doy - 255) / 35) ** 2))
        + 18 * np.exp(-(((doy - 205) / 25) ** 2))
    )
    plum_rain = 1 - 0.28 * np.exp(-(((doy - 176) / 10) ** 2))
    peak_d = season_o3 * plum_rain * np.exp(0.22 * sunshine_d + 0.06 * stagnation_d)
    peak = o3_scale * hourly(peak_d) * np.exp(0.08 * station_h)
    floor = (18 + 16 * (1 - winter) / 2) * np.exp(0.15 * station_h) / np.sqrt(no2_scale)
    rising = np.sin(np.pi / 2 * np.clip(hod - 7, 0, 8) / 8) ** 1.5
    falling = np.cos(np.pi / 2 * np.clip(hod - 15, 0, 9) / 9) ** 1.2
    shape = np.where(hod <= 15, rising, falling)
    o3 = (floor + np.maximum(peak - floor, 0) * shape) * np.exp(0.07 * noise[4])

    values = {
        "so2": np.maximum(np.round(so2), 2),
        "no2": np.maximum(np.round(no2), 3),
        "pm10": np.maximum(np.round(pm10), 4),
        "pm25": np.maximum(np.round(pm25), 3),
        "o3": np.maximum(np.round(o3), 2),
        "co": np.maximum(np.round(co, 1), 0.1),
    }
    values["pm10"] = np.maximum(values["pm10"], values["pm25"] + 1)

    # Missing data: scattered short gaps (never on haze days, so the episode stays valid),
    # a few days with too few hours, a few whole days, one analyser down for a day.
    present = np.ones((n_st, hours), dtype=bool)
    haze_hours = np.isin(day, [_day_index(year, md) for md in _HAZE])
    starts = rng.random((n_st, hours)) < 0.004
    lengths = rng.integers(1, 4, (n_st, hours))
    for lag in range(3):
        gap = np.roll(starts & (lengths > lag), lag, axis=1)
        gap[:, :lag] = False
        present &= ~gap
    present[:, haze_hours] = True
    index = {code: i for i, code in enumerate(stations)}
    for code, month_day, length in _MISSING_DAYS:
        if code in index:
            first = _day_index(year, month_day) * 24
            present[index[code], first : first + length * 24] = False
    for code, month_day, hour, length in _MISSING_SPANS:
        if code in index:
            first = _day_index(year, month_day) * 24 + hour
            present[index[code], first : first + length] = False
    parameter_present = {p: present.copy() for p in AIR_PARAMETERS}
    for code, parameter, month_day in _MISSING_PARAMETER_DAYS:
        if code in index:
            first = _day_index(year, month_day) * 24
            parameter_present[parameter][index[code], first : first + 24] = False

    observed = (start + t * _HOUR) - _LOCAL_OFFSET
    codes = np.array(stations, dtype=str)
    sites, parameters, times, out = [], [], [], []
    for parameter in AIR_PARAMETERS:
        keep = parameter_present[parameter]
        station_of, hour_of = np.nonzero(keep)
        sites.append(codes[station_of])
        parameters.append(np.full(len(hour_of), parameter))
        times.append(observed[hour_of])
        out.append(np.broadcast_to(values[parameter], (n_st, hours))[keep])
    return _columns(sites, parameters, times, out)


# ---- water --------------------------------------------------------------------------------

#: Typical levels by quality tier: CODMn, NH3-N, TP (river), TN (mg/L), DO share of saturation,
#: fecal coliforms (per litre).
_TIERS = {
    "excellent": (1.3, 0.06, 0.015, 0.6, 0.97, 150.0),
    "good": (2.0, 0.16, 0.045, 1.0, 0.92, 800.0),
    "fair": (3.0, 0.34, 0.09, 1.6, 0.86, 3000.0),
    "reservoir": (1.8, 0.08, 0.016, 0.55, 0.95, 120.0),
}
#: Trace items drawn uniformly in a range well inside class II (mg/L).
_TRACE = {
    "cu": (0.001, 0.006),
    "zn": (0.003, 0.02),
    "f": (0.10, 0.30),
    "se": (0.0002, 0.0006),
    "as": (0.0005, 0.003),
    "hg": (0.000005, 0.00003),
    "cd": (0.00005, 0.0003),
    "cr6": (0.002, 0.004),
    "pb": (0.0005, 0.003),
    "cn": (0.0005, 0.002),
    "vphenol": (0.0003, 0.0012),
    "petroleum": (0.01, 0.03),
    "las": (0.02, 0.06),
    "s2": (0.003, 0.012),
}
_DECIMALS = {"wt": 1, "ph": 2, "do": 2, "codmn": 2, "cod": 1, "bod5": 2, "nh3n": 3, "tp": 3}
_DECIMALS |= {"tn": 2, "fcoli": 0, "f": 3, "petroleum": 3, "las": 3, "s2": 4, "cu": 4, "zn": 4}
_DECIMALS |= {"se": 5, "as": 5, "hg": 6, "cd": 5, "cr6": 4, "pb": 5, "cn": 4, "vphenol": 5}
#: Counties where farmland runoff raises TP and NH3-N in summer (the plains along the 衢江).
_AGRICULTURAL = {"330803", "330825", "330881"}

#: Fixed events (site, month, item → value): after the June plum-rain storms the 江山港 exit
#: section carries a pulse of farm and sewage overflow (NH3-N 劣V); the 灵山港 mouth section
#: is class IV from TP in high summer.
_WATER_EVENTS: dict[tuple[str, int], dict[str, float]] = {
    ("QZW15", 6): {
        "nh3n": 2.38,
        "tp": 0.27,
        "codmn": 6.8,
        "cod": 26.0,
        "bod5": 4.6,
        "do": 4.6,
        "fcoli": 18000.0,
    },
    ("QZW11", 7): {"tp": 0.26, "codmn": 5.2},
    ("QZW11", 8): {"tp": 0.23},
}


def _saturation_do(temperature: FloatArray) -> FloatArray:
    """Dissolved-oxygen saturation in fresh water at sea level (mg/L), a cubic fit."""
    return 14.652 - 0.41022 * temperature + 0.007991 * temperature**2 - 0.000077774 * temperature**3


def generate_water(year: int = YEAR, seed: int = SEED) -> Columns:
    """Monthly samples at every demo water section and drinking-water source (synthetic)."""
    rng = np.random.default_rng([seed, 1])
    sites = _sites_of("water_section") + _sites_of("drinking_water_source")
    n = len(sites)
    month = np.arange(12)
    counties = sorted({s["county_code"] for s in sites})
    # one field trip per county and month, on the 8th–12th, sampling at 10:00 local
    trip_day = rng.integers(8, 13, (len(counties), 12))
    county_of = np.array([counties.index(s["county_code"]) for s in sites])
    when = np.array(
        [
            [_local(year, m + 1, int(trip_day[county_of[i], m]), 10) for m in range(12)]
            for i in range(n)
        ]
    )
    lake = np.array([s["water_body"] in ("水库", "湖泊") for s in sites])
    tiers = []
    for s in sites:
        if s["water_body"] in ("水库", "湖泊"):
            tiers.append("reservoir")
        elif s["target_class"] in ("I", "1"):
            tiers.append("excellent")
        elif s["target_class"] in ("III", "3"):
            tiers.append("fair")
        else:
            tiers.append("good")
    level = np.array([_TIERS[tier] for tier in tiers])
    codmn0, nh3n0, tp0, tn0, do_share, fcoli0 = (level[:, i, None] for i in range(6))
    farm = np.array([s["county_code"] in _AGRICULTURAL for s in sites])[:, None] & ~lake[:, None]

    summer = np.cos(2 * np.pi * (month - 6.5) / 12)  # +1 in July, -1 in January
    shape = (n, 12)

    def noise(sigma: float) -> FloatArray:
        return np.exp(sigma * rng.standard_normal(shape))

    wt = 18 - 10 * np.cos(2 * np.pi * (month - 0.5) / 12) + 0.8 * rng.standard_normal(shape)
    wt = np.where(lake[:, None], wt - 0.8, wt)
    do = _saturation_do(wt) * do_share * noise(0.04)
    ph = np.where(
        lake[:, None],
        7.55 + 0.35 * np.clip(summer, 0, None) + 0.15 * rng.standard_normal(shape),
        7.35 + 0.2 * rng.standard_normal(shape),
    )
    codmn = codmn0 * (1 + 0.15 * summer) * noise(0.16)
    cod = codmn * rng.uniform(2.6, 3.4, shape)
    bod5 = codmn * rng.uniform(0.35, 0.55, shape)
    nh3n_season = np.where(farm, 1 + 0.25 * summer, 1 - 0.3 * summer)
    nh3n = nh3n0 * nh3n_season * noise(0.2)
    tp = tp0 * np.where(farm, 1 + 0.3 * summer, 1 + 0.15 * summer) * noise(0.18)
    tn = tn0 * (1 - 0.15 * summer) * noise(0.12)
    fcoli = fcoli0 * (1 + 0.6 * (summer + 1)) * noise(0.5)
    values: dict[str, FloatArray] = {
        "wt": wt,
        "ph": np.clip(ph, 6.6, 8.6),
        "do": do,
        "codmn": codmn,
        "cod": cod,
        "bod5": bod5,
        "nh3n": nh3n,
        "tp": tp,
        "tn": tn,
        "fcoli": fcoli,
    }
    for item, (low, high) in _TRACE.items():
        values[item] = rng.uniform(low, high, shape)
    index = {s["code"]: i for i, s in enumerate(sites)}
    for (code, month_number), event in _WATER_EVENTS.items():
        if code in index:
            for item, value in event.items():
                values[item][index[code], month_number - 1] = value

    codes = np.array([s["code"] for s in sites], dtype=str)
    site_of = np.repeat(codes, 12)
    columns_sites, parameters, times, out = [], [], [], []
    for item in WATER_PARAMETERS:
        rounded = np.round(np.maximum(values[item], 0), _DECIMALS.get(item, 4))
        columns_sites.append(site_of)
        parameters.append(np.full(n * 12, item))
        times.append(when.reshape(-1))
        out.append(rounded.reshape(-1))
    return _columns(columns_sites, parameters, times, out)


# ---- soil ---------------------------------------------------------------------------------

#: Background medians (mg/kg) of the red and paddy soils, and caps that keep an ordinary point
#: below the GB 15618-2018 screening value of its pH band.
_SOIL_MEDIAN = {"cd": 0.15, "hg": 0.09, "as": 8.5, "pb": 32.0, "cr": 45.0, "cu": 22.0}
_SOIL_MEDIAN |= {"ni": 18.0, "zn": 72.0}
_SOIL_CAP = {"cd": 0.26, "hg": 0.35, "as": 22.0, "pb": 62.0, "cr": 110.0, "cu": 42.0}
_SOIL_CAP |= {"ni": 45.0, "zn": 160.0}
_SOIL_PH = {"水田": (5.5, 0.35), "旱地": (5.7, 0.45), "果园": (5.0, 0.35), "水旱轮作": (5.8, 0.4)}


def generate_soil(year: int = YEAR, seed: int = SEED) -> Columns:
    """One autumn sample at every demo soil point (synthetic)."""
    rng = np.random.default_rng([seed, 3])
    points = _sites_of("soil_point")
    n = len(points)
    uses = [p["land_use"] for p in points]
    ph = np.array([rng.normal(*_SOIL_PH.get(use, (5.6, 0.4))) for use in uses])
    ph = np.clip(ph, 4.6, 7.2)
    values = {
        item: np.minimum(median * np.exp(0.25 * rng.standard_normal(n)), _SOIL_CAP[item])
        for item, median in _SOIL_MEDIAN.items()
    }
    orchard = np.array([use == "果园" for use in uses])
    values["cu"] = np.where(orchard, values["cu"] * 1.6, values["cu"])  # copper fungicides
    # Acidic paddies: Cd between screening and intervention at three, above intervention at
    # one; an old orchard with Cu above screening (no intervention value exists for Cu).
    paddies = [i for i, use in enumerate(uses) if use == "水田"]
    for rank, cd, acid in ((1, 0.42, 5.3), (5, 0.58, 5.2), (9, 0.95, 5.1), (3, 1.86, 5.0)):
        if rank < len(paddies):
            values["cd"][paddies[rank]] = cd
            ph[paddies[rank]] = acid
    orchards = np.flatnonzero(orchard)
    if len(orchards) > 1:
        values["cu"][orchards[1]] = 168.0
    values["ph"] = ph
    decimals = {"cd": 3, "hg": 3, "ph": 2}
    when = np.array([_local(year, 10, 13 + i % 15, 10) for i in range(n)], dtype="datetime64[s]")
    codes = np.array([p["code"] for p in points], dtype=str)
    sites, parameters, times, out = [], [], [], []
    for item in SOIL_PARAMETERS:
        sites.append(codes)
        parameters.append(np.full(n, item))
        times.append(when)
        out.append(np.round(values[item], decimals.get(item, 1)))
    return _columns(sites, parameters, times, out)


# ---- loading ------------------------------------------------------------------------------

_GENERATORS = {"water": generate_water, "air": generate_air, "soil": generate_soil}


def generate_readings(year: int = YEAR, seed: int = SEED) -> dict[str, Columns]:
    """Every medium's synthetic readings for a year, by medium."""
    return {medium: _GENERATORS[medium](year, seed) for medium in MEDIA}


@dataclass(frozen=True, slots=True)
class MonitoringDemoResult:
    """What loading the synthetic readings did, per medium."""

    loads: Mapping[str, LoadResult]

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.loads.values())

    @property
    def inserted(self) -> int:
        return sum(r.inserted for r in self.loads.values())

    @property
    def unchanged(self) -> int:
        return sum(r.unchanged for r in self.loads.values())

    @property
    def replaced(self) -> int:
        return sum(r.replaced for r in self.loads.values())


def loaded_demo_media(store: ReadingsStore, year: int = YEAR) -> set[str]:
    """The media whose synthetic demo readings for ``year`` the store already holds."""
    sources = {
        load["source"]
        for load in store.loads()
        if load["applied"] and load["inserted"] + load["unchanged"] + load["replaced"] > 0
    }
    return {medium for medium in MEDIA if source_for(medium, year) in sources}


def load_monitoring_readings(
    store: ReadingsStore,
    actor_name: str,
    *,
    year: int = YEAR,
    seed: int = SEED,
    media: Collection[str] = MEDIA,
    clock: Clock | None = None,
) -> MonitoringDemoResult:
    """Generate and store a year of synthetic readings, one load per medium, each recorded
    with the source ``demo-synthetic-<medium>-<year>``. Loading again changes nothing (the
    store is idempotent on site, parameter and time)."""
    clock = clock or SystemClock()
    loads: dict[str, LoadResult] = {}
    for medium in MEDIA:
        if medium not in media:
            continue
        rows = _GENERATORS[medium](year, seed).rows()
        loads[medium] = store.load(
            rows, source_for(medium, year), actor_name, loaded_at=clock.now()
        )
    return MonitoringDemoResult(loads)
