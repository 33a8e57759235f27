"""ECOCIV_AUDIT_KEY: required in production, 32+ characters, not the session secret; made
once into <VAR_DIR>/audit_key in development (docs/operations.md, section 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ecociv.config import Environment, Settings

SECRET = "s" * 40


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(var_dir=tmp_path, secret_key=SECRET, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("length", "accepted"), [(31, False), (32, True), (33, True)])
def test_the_audit_key_needs_32_characters(tmp_path: Path, length: int, accepted: bool) -> None:
    key = "k" * length
    if accepted:
        assert settings(tmp_path, audit_key=key).audit_key == key
    else:
        with pytest.raises(ValidationError, match="ECOCIV_AUDIT_KEY"):
            settings(tmp_path, audit_key=key)


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ECOCIV_AUDIT_KEY must be set in production"):
        settings(tmp_path, env=Environment.PRODUCTION)
    made = settings(tmp_path, env=Environment.PRODUCTION, audit_key="a" * 40)
    assert made.audit_key == "a" * 40
    assert not (tmp_path / "audit_key").exists()


def test_the_audit_key_is_not_the_session_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="differ from ECOCIV_SECRET_KEY"):
        settings(tmp_path, audit_key=SECRET)


def test_development_makes_one_key_and_keeps_it_outside_the_database(tmp_path: Path) -> None:
    first = settings(tmp_path, env=Environment.DEVELOPMENT)
    second = settings(tmp_path, env=Environment.DEVELOPMENT)
    assert first.audit_key == second.audit_key == (tmp_path / "audit_key").read_text()
    assert len(first.audit_key) >= 32 and first.audit_key != first.secret_key
    assert (tmp_path / "audit_key").stat().st_mode & 0o777 == 0o600


def test_checkpoints_default_into_the_var_dir_and_previous_keys_split(tmp_path: Path) -> None:
    old = "b" * 40
    made = settings(tmp_path, audit_key="a" * 40, audit_previous_keys=f" {old} , ,c")
    assert made.audit_checkpoint_file == tmp_path / "audit" / "checkpoints.jsonl"
    assert made.audit_old_keys == (old, "c")
