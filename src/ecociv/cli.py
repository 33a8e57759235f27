"""The ecociv command line: set up, run, administer. Each domain mounts its own commands."""

from __future__ import annotations

import getpass
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from ecociv import __version__, audit, indicators, orgs, sources, users
from ecociv import demo as demo_data
from ecociv.adapters import backup as backups
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.assessment.cli import assess as assess_command
from ecociv.audit.cli import app as audit_app
from ecociv.config import Settings, get_settings
from ecociv.hj212_cli import app as hj212_app
from ecociv.kernel import Actor, EcocivError, Role
from ecociv.kernel.cli_context import CliContext
from ecociv.monitoring.cli import app as monitoring_app
from ecociv.orgs.cli import app as enterprise_app
from ecociv.receiver import cli as receiver_cli
from ecociv.sources.cli import app as sources_app
from ecociv.standards_cli import app as standards_app
from ecociv.users.cli import tokens_app, users_app
from ecociv.waste.cli import app as waste_app

app = typer.Typer(
    help="ecociv: 衢州生态文明建设示范市平台 · Quzhou eco-civilization platform",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(users_app, name="user")
app.add_typer(tokens_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(enterprise_app, name="enterprise")
app.add_typer(standards_app, name="standards")
app.add_typer(hj212_app, name="hj212")
app.add_typer(monitoring_app, name="monitoring")
app.add_typer(sources_app, name="sources")
app.add_typer(waste_app, name="waste")
app.command("assess")(assess_command)
app.command("receiver")(receiver_cli.receiver)
app.command("simulate-devices")(receiver_cli.simulate_devices)
console = Console()


def _settings() -> Settings:
    return get_settings()


def _database(settings: Settings) -> Database:
    return Database(
        settings.database_url,
        audit_key=settings.audit_key,
        audit_previous_keys=settings.audit_old_keys,
    )


def _operator() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(username=f"cli:{who}", role=Role.ADMIN, request_id=f"cli-{uuid.uuid4().hex[:16]}")


@app.callback()
def main(ctx: typer.Context) -> None:
    """Settings come from ECOCIV_* environment variables (see README)."""
    ctx.obj = CliContext(
        make_db=lambda: _database(_settings()),
        actor=_operator(),
        make_readings=lambda: ReadingsStore(_settings().var_dir / "readings.duckdb"),
        webhook_url=lambda: _settings().warning_webhook_url,
        audit_checkpoints=lambda: _settings().audit_checkpoint_file,
        audit_webhook_url=lambda: _settings().audit_checkpoint_webhook_url,
    )
    ctx.call_on_close(ctx.obj.close)


def _prepare_storage(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        backups.sqlite_path(settings.database_url).parent.mkdir(parents=True, exist_ok=True)


@app.command()
def init(ctx: typer.Context) -> None:
    """Migrate the database to the newest schema and load the reference data (idempotent)."""
    settings = _settings()
    _prepare_storage(settings)
    migrate.upgrade(settings.database_url)
    changed = orgs.load_reference_data(ctx.obj.db, ctx.obj.actor)
    loaded = indicators.load_catalogues(ctx.obj.db, ctx.obj.actor)
    print(f"database ready: {settings.database_url.split('@')[-1]}")
    print(
        f"reference data: {changed['org_unit']} org units, {changed['department']} departments "
        "created or updated"
    )
    print(
        f"indicator catalogues: {loaded['frameworks']} frameworks, {loaded['indicators']} "
        f"indicators, {loaded['targets']} targets, {loaded['elements']} data elements loaded"
    )


@app.command()
def demo(
    ctx: typer.Context,
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="start the server"),
) -> None:
    """Set up the Quzhou demo: init, synthetic enterprises, monitoring sites and a year of
    synthetic readings, one account per role, then serve."""
    init(ctx)
    loaded = demo_data.load_demo(ctx.obj.db, ctx.obj.actor)
    print(
        f"demo data: {loaded['enterprises']} synthetic enterprises, {loaded['users']} accounts, "
        f"{loaded['reports']} synthetic annual reports created"
    )
    print(f"demo monitoring sites: {loaded['monitoring_sites']} synthetic sites created")
    readings = demo_data.load_demo_readings(ctx.obj.readings, ctx.obj.actor)
    if readings is None:
        print("demo readings: synthetic readings already loaded, nothing changed")
    else:
        by_medium = ", ".join(f"{m} {r.inserted}" for m, r in readings.loads.items())
        print(
            f"demo readings: {readings.inserted} synthetic readings loaded ({by_medium}); "
            "invented for the demo, not measurements"
        )
    registry = demo_data.load_demo_sources(ctx.obj.db, ctx.obj.actor)
    print(
        f"demo pollution sources: {registry['outlets']} synthetic outlets, "
        f"{registry['devices']} synthetic devices registered"
    )
    traffic = receiver_cli.demo_traffic(
        ctx.obj.db, ctx.obj.readings, _settings().var_dir / "frames", now=datetime.now(UTC)
    )
    if traffic is None:
        print("demo device traffic: already played, nothing changed")
    else:
        print(
            f"demo device traffic: {traffic.answered} synthetic HJ 212 frames received and "
            f"answered ({traffic.corrupted} sent with a bad CRC and refused)"
        )
        sources.evaluate_all(ctx.obj.db, ctx.obj.readings, datetime.now(UTC))
    waste = demo_data.load_demo_waste(ctx.obj.db, ctx.obj.actor, datetime.now(UTC))
    if not waste.loaded:
        print("demo hazardous waste: already loaded, nothing changed")
    else:
        print(
            f"demo hazardous waste: {waste.facilities} synthetic units, {waste.manifests} "
            f"synthetic manifests over the last year, {waste.fixes} GPS fixes, "
            f"{waste.ledger_rows} ledger records, {sum(waste.warnings.values())} live warnings"
        )
    settings = _settings()
    table = Table(title=f"演示账户 Demo logins (password / 密码: {demo_data.DEMO_PASSWORD})")
    table.add_column("username")
    table.add_column("role")
    table.add_column("scope")
    for login in demo_data.demo_logins():
        scope = login.county_code or login.department_code or login.enterprise_uscc or ""
        table.add_row(login.username, login.role.value, scope)
    console.print(table)
    print(f"open http://{settings.host}:{settings.port}/")
    if serve_after:
        _serve()


@app.command()
def serve(
    host: str | None = typer.Option(None, help="default ECOCIV_HOST"),
    port: int | None = typer.Option(None, help="default ECOCIV_PORT"),
    workers: int | None = typer.Option(None, help="default ECOCIV_WORKERS"),
) -> None:
    """Serve the web application (uvicorn)."""
    _serve(host, port, workers)


def _serve(host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "ecociv.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level,
    )


backup_app = typer.Typer(no_args_is_help=False)
app.add_typer(backup_app, name="backup")


@contextmanager
def _progress() -> Iterator[backups.Progress]:
    """A Rich progress bar per step of a backup or restore."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield report


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


@backup_app.callback(invoke_without_command=True)
def backup(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, help="target archive (.tar, or .tar.gz to compress); default var/backups/<time>.tar"
    ),
    include_db: bool = typer.Option(
        True, "--db/--no-db", help="--no-db: leave the database out (dump it with pg_dump)"
    ),
) -> None:
    """Back up the database, readings store, uploads, frame log, audit checkpoints and key
    files into one archive with a manifest of checksums (online; the server may keep running)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out or settings.var_dir / "backups" / f"ecociv-{stamp}.tar"
    try:
        with _progress() as report:
            result = backups.create_archive(
                settings.var_dir,
                settings.database_url,
                target,
                version=__version__,
                include_db=include_db,
                progress=report,
            )
    except EcocivError as exc:
        print(f"error: {exc.message}")
        raise typer.Exit(1) from None
    _warn(result.warnings)
    manifest = result.manifest
    print(
        f"backup written: {result.path} ({len(manifest['files'])} files, "
        f"{manifest['readings']['count']} readings, database: "
        f"{manifest['database']['backend']} "
        f"{'included' if manifest['database']['included'] else 'NOT included'})"
    )


@backup_app.command("verify")
def backup_verify(
    archive: Path = typer.Argument(..., help="an archive written by `ecociv backup`"),
) -> None:
    """Check every file of an archive against its manifest, without restoring anything."""
    try:
        with _progress() as report:
            manifest = backups.verify_archive(archive, progress=report)
    except EcocivError as exc:
        print(f"error: {exc.message}")
        raise typer.Exit(1) from None
    database = manifest["database"]
    revision = f"revision {database.get('alembic_revision')}"
    print(
        f"OK: {archive}: {len(manifest['files'])} files match the manifest; "
        f"made {manifest['created_at']} by ecociv {manifest['ecociv_version']}; "
        f"{manifest['readings']['count']} readings; database {database['backend']} "
        f"{revision if database['included'] else 'NOT included'}"
    )


@app.command()
def restore(
    path: Path = typer.Argument(..., help="an archive (or old .db file) from `ecociv backup`"),
    with_keys: bool = typer.Option(
        False, "--with-keys", help="also replace key files that differ from the archive's"
    ),
) -> None:
    """Restore everything from a backup (stop the server and the receiver first), then migrate
    the database to the newest schema. Nothing changes if any checksum fails. A key file in
    place is kept (with a warning) only when the target's data depends on it."""
    settings = _restore_settings()
    try:
        with _progress() as report:
            result = backups.restore(
                path,
                settings.var_dir,
                settings.database_url,
                with_keys=with_keys,
                key_in_use=lambda name, key: _key_in_use(settings.database_url, name, key),
                progress=report,
            )
    except EcocivError as exc:
        print(f"error: {exc.message}")
        raise typer.Exit(1) from None
    _warn(result.warnings)
    migrate.upgrade(settings.database_url)
    print(f"restored from {path}: {', '.join(result.restored)}")


def _restore_settings() -> Settings:
    """The settings a restore needs (its folder and database), built without making the
    development key files: those of a new machine must come from the archive."""
    return Settings(secret_key=secrets.token_urlsafe(48), audit_key=secrets.token_urlsafe(48))


def _key_in_use(database_url: str, name: str, key: str) -> bool:
    """Whether the restore's target holds data that depends on the key file ``name`` in
    place (docs/operations.md, section 6): audit entries signed with it (``audit_key``), open
    sessions (``secret_key``), any audit entry at all (another key). No database, or an empty
    one, depends on nothing."""
    if database_url.startswith("sqlite"):
        try:
            path = backups.sqlite_path(database_url)
        except EcocivError:
            return False
        if not path.is_file() or path.stat().st_size == 0:
            return False
    db = Database(database_url)
    try:
        if name == "audit_key":
            return audit.key_signs_entries(db, key)
        if name == "secret_key":
            return users.has_open_sessions(db)
        return audit.has_entries(db)
    finally:
        db.dispose()
