"""Command: ecociv assess --year Y --out report.docx [--xlsx scores.xlsx] [--data data.xlsx].

Builds the year's assessment and every scheme's score sheets with the services, then writes the
Word report and, when asked, the score-sheet and attainment workbooks. Every target folder is
checked before any work, and the files are written side by side first and then moved into
place, so a failure leaves none of them half-written.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ecociv.assessment import documents, services
from ecociv.kernel import EcocivError
from ecociv.kernel.clock import utc_now
from ecociv.orgs import CITY_CODE


def _fail(message: str) -> typer.Exit:
    print(f"error: {message}")
    return typer.Exit(1)


def _check_targets(targets: dict[str, Path]) -> None:
    seen: dict[Path, str] = {}
    for what, path in targets.items():
        if path.is_dir():
            raise _fail(f"{path}: 是一个文件夹，需要文件名 (is a folder; give a file name)")
        if not path.parent.is_dir():
            raise _fail(
                f"{path}: 文件夹 {path.parent} 不存在 (folder does not exist; create it first)"
            )
        resolved = path.resolve()
        if resolved in seen:
            raise _fail(f"{path}: 与 --{seen[resolved]} 是同一个文件 (same file as --{what})")
        seen[resolved] = what


def _write_all(files: dict[Path, bytes]) -> None:
    """Write every file next to its target, then move each into place."""
    parts: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            part = path.with_name(f".{path.name}.part")
            parts[path] = part
            part.write_bytes(content)
        for path, part in parts.items():
            os.replace(part, path)
    except OSError as exc:
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise _fail(f"{exc.filename or ''}: {exc.strerror or exc} (nothing written)") from None


def assess(
    ctx: typer.Context,
    year: int = typer.Option(..., "--year", min=2000, max=2100, help="评估年度, e.g. 2021"),
    out: Path = typer.Option(..., "--out", help="the Word report to write (.docx)"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="also write the score sheets (.xlsx)"),
    data: Path | None = typer.Option(None, "--data", help="also write the attainment data (.xlsx)"),
    include_pending: bool = typer.Option(
        False,
        "--include-pending",
        help="use data still in the reporting workflow too (marked; not an official result)",
    ),
) -> None:
    """Write the year's assessment report (Word) and, optionally, its workbooks (Excel)."""
    targets = {"out": out} | ({"xlsx": xlsx} if xlsx else {}) | ({"data": data} if data else {})
    _check_targets(targets)
    db, actor = ctx.obj.db, ctx.obj.actor
    accepted_only = not include_pending
    try:
        assessment = services.assess_year(db, actor, year, accepted_only=accepted_only)
        scored = [
            services.score_year(db, actor, info.scheme.code, accepted_only=accepted_only)
            for info in services.list_schemes(db, actor)
            if info.scheme.year == year
        ]
    except EcocivError as exc:
        raise _fail(exc.message) from None

    files = {out: documents.assessment_report_docx(assessment, scored, generated_at=utc_now())}
    if xlsx:
        files[xlsx] = documents.scores_xlsx(scored)
    if data:
        files[data] = documents.assessment_xlsx(assessment)
    _write_all(files)

    print(f"report written: {out}")
    if xlsx:
        print(f"score sheets written: {xlsx}")
    if data:
        print(f"attainment data written: {data}")
    city = next((u for u in assessment.units if u.org_unit_code == CITY_CODE), None)
    share = documents.share_text(city.share() if city else None)
    binding = documents.share_text(city.share(True) if city else None)
    sheets = sum(len(s.ranked) for s in scored)
    basis = "accepted data only" if accepted_only else "INCLUDES DATA NOT YET ACCEPTED"
    print(
        f"{year}: 全市达标率 city attained share {share} (binding {binding}); "
        f"{sheets} score sheets in {len(scored)} scheme(s); {basis}"
        + ("; synthetic demo data" if assessment.synthetic else "")
    )
