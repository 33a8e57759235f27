"""National standard tables as package data, with pure lookups.

Each table lives in ``data/`` with its standard, edition and source in ``data/README.md``.
"""

from ecociv.standards.industry import IndustryCodeError, industry_section, validate_industry_code

__all__ = ["IndustryCodeError", "industry_section", "validate_industry_code"]
