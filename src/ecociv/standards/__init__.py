"""National standard tables as package data, with pure lookups and vectorised calculations.

Each table lives in ``data/`` with its standard, edition and source in ``data/README*.md``:
surface water GB 3838-2002 (``water``), ambient air HJ 633 / GB 3095 / HJ 663 in the 2012 and 2026
editions chosen by date (``air``), soil GB 15618-2018 and GB 36600-2018 (``soil``), and the
industry classification GB/T 4754-2017 (``industry``).
"""

from ecociv.standards import air, soil, water
from ecociv.standards.industry import IndustryCodeError, industry_section, validate_industry_code

__all__ = [
    "IndustryCodeError",
    "air",
    "industry_section",
    "soil",
    "validate_industry_code",
    "water",
]
