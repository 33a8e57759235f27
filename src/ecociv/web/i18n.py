"""Message catalogues: zh_CN first, English second.

Templates and code write messages in English inside ``_()``; ``locale/zh_CN/LC_MESSAGES/
messages.po`` translates them. Catalogues are compiled in memory at start-up, so no binary
``.mo`` file is committed. ``make messages`` re-extracts ``messages.pot`` and updates the .po.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of a locale (English is the source language)."""
    if locale == "en":
        return NullTranslations()
    po_file = resources.files("ecociv.web").joinpath(f"locale/{locale}/LC_MESSAGES/messages.po")
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(locale: str) -> Callable[..., str]:
    """``_(message, **values)``: translate, then fill ``%(name)s`` placeholders."""
    catalogue = translations(locale if locale in LOCALES else "zh_CN")

    def _(message: str, **values: object) -> str:
        text: str = catalogue.gettext(message)
        return text % values if values else text

    return _
