"""The command line as an operator uses it, on a fresh SQLite database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecociv.cli import app
from ecociv.kernel.uscc import check_char

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ECOCIV_VAR_DIR": str(tmp_path / "var"), "ECOCIV_ENV": "development"}


def run(env: dict[str, str], *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env, input=stdin)


def test_demo_loads_once_and_a_second_run_changes_nothing(env: dict[str, str]) -> None:
    first = run(env, "demo", "--no-serve")
    assert first.exit_code == 0, first.output
    assert (
        "36 synthetic enterprises, 9 accounts, 69 synthetic annual reports created" in first.output
    )
    assert "kecheng" in first.output and "Lanke-Qiantang-58" in first.output
    second = run(env, "demo", "--no-serve")
    assert "0 org units, 0 departments" in second.output
    assert (
        "0 synthetic enterprises, 0 accounts, 0 synthetic annual reports created" in second.output
    )
    verify = run(env, "audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.output
    assert ", unkeyed 0;" in verify.output  # keyed from the first entry: nothing to accept


def test_user_and_token_commands(env: dict[str, str]) -> None:
    assert run(env, "init").exit_code == 0
    created = run(
        env,
        "user",
        "create",
        "lyofficer",
        "--role",
        "county_officer",
        "--county",
        "330825",
        stdin="longyou-pass-1\nlongyou-pass-1\n",
    )
    assert created.exit_code == 0, created.output
    bad = run(
        env,
        "user",
        "create",
        "nocounty",
        "--role",
        "county_officer",
        stdin="longyou-pass-1\nlongyou-pass-1\n",
    )
    assert bad.exit_code == 1 and "county" in bad.output
    assert "lyofficer" in run(env, "user", "list").output
    token = run(env, "token", "create", "--user", "lyofficer", "--name", "gateway")
    assert token.exit_code == 0 and "ecv_" in token.output
    assert run(env, "token", "revoke", "1").exit_code == 0
    assert run(env, "user", "disable", "lyofficer").exit_code == 0
    assert "no" in run(env, "user", "list").output.split("lyofficer")[1].splitlines()[0]
    missing = run(env, "user", "disable", "ghost")
    assert missing.exit_code == 1 and "ghost" in missing.output


def test_backup_and_restore_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "demo", "--no-serve").exit_code == 0
    target = tmp_path / "backup.db"
    assert run(env, "backup", "--out", str(target)).exit_code == 0 and target.stat().st_size
    run(env, "user", "disable", "inspector")
    restored = run(env, "restore", str(target))
    assert restored.exit_code == 0, restored.output
    listing = run(env, "user", "list").output
    assert "no" not in listing.split("inspector")[1].splitlines()[0]
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    failed = run(env, "restore", str(junk))
    assert failed.exit_code == 1 and "error" in failed.output


def test_enterprise_import_is_all_or_nothing_naming_the_row(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(env, "init").exit_code == 0
    good = "91330824MA2E0B0C1"
    path = tmp_path / "firms.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["uscc", "name", "county_code", "industry_code"])
        writer.writerow([good + check_char(good), "开化某企业", "330824", "C2614"])
        writer.writerow(
            [good[:-1] + "2" + check_char(good[:-1] + "2"), "开化某企业二", "330824", "Z9"]
        )
    result = run(env, "enterprise", "import", str(path))
    assert result.exit_code == 1
    assert "row 3: industry_code" in result.output and "nothing was imported" in result.output
    with path.open("a", newline="", encoding="utf-8") as handle:
        pass
    rows = path.read_text(encoding="utf-8").replace(",Z9", ",C2614")
    path.write_text(rows, encoding="utf-8")
    assert "imported 2" in run(env, "enterprise", "import", str(path)).output
    assert "imported 0, already registered 2" in run(env, "enterprise", "import", str(path)).output


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run({"ECOCIV_ENV": "production", "ECOCIV_VAR_DIR": str(tmp_path)}, "init")
    assert result.exit_code != 0
    assert "ECOCIV_SECRET_KEY" in str(result.exception) + result.output


def test_demo_then_serves_with_the_configured_address(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = run({**env, "ECOCIV_PORT": "8123"}, "demo")
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["port"] == 8123 and calls[0]["host"] == "127.0.0.1"
    assert calls[0]["workers"] == 1 and calls[0]["factory"] is True


def test_serve_options_override_settings(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    assert run(env, "serve", "--port", "9001", "--workers", "2").exit_code == 0
    assert (calls[0]["port"], calls[0]["workers"]) == (9001, 2)
