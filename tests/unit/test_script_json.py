"""Data handed to page scripts cannot end its <script> block."""

from __future__ import annotations

import json

from ecociv.adapters.http import script_json


def test_a_name_holding_a_closing_script_tag_stays_inside_the_block() -> None:
    data = {"name": "某企业</script><script>alert(1)</script>", "n": 3}
    text = script_json(data)
    assert "</script" not in text.lower() and "<" not in text
    assert json.loads(text) == data
