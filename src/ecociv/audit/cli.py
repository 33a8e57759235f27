"""Commands: ecociv audit verify, ecociv audit checkpoint."""

from __future__ import annotations

import typer

from ecociv.audit import services
from ecociv.audit.model import BREAK_NAMES, BreakKind
from ecociv.audit.rules import instant_text
from ecociv.kernel import EcocivError

app = typer.Typer(help="审计日志 · the audit log", no_args_is_help=True)


@app.command()
def verify(ctx: typer.Context) -> None:
    """Check the keyed hash chain against the signed checkpoints; exit 1 naming the first
    bad entry and the kind of tampering."""
    path = ctx.obj.audit_checkpoints()
    result = services.verify_chain(ctx.obj.db, checkpoints_path=path)
    brk = result.first_break
    if brk is None:
        print(f"OK: audit chain intact ({result.checked} entries)")
        print(
            f"  keyed (HMAC) {result.keyed}, unkeyed {result.checked - result.keyed}; "
            f"head seq={result.head_seq} hash={result.head_hash}"
        )
        last = result.last_checkpoint
        if last is None:
            hint = "a cut tail cannot be seen; run `ecociv audit checkpoint` daily"
            print(f"  no checkpoints in {path}: {hint}")
        else:
            print(
                f"  {result.checkpoints} checkpoints matched, the last at {instant_text(last.at)} "
                f"(seq={last.seq})"
            )
        return
    zh, en = BREAK_NAMES[brk.kind]
    when = f" at {instant_text(brk.occurred_at)}" if brk.occurred_at else ""
    where = "checkpoints file" if brk.kind is BreakKind.BAD_CHECKPOINT else f"row seq={brk.seq}"
    print(f"BROKEN: audit_log {where}{when}: {zh} ({en}; {brk.kind}): {brk.reason}")
    print(f"  {result.checked} entries read up to it")
    raise typer.Exit(1)


@app.command()
def checkpoint(
    ctx: typer.Context,
    accept_unkeyed: bool = typer.Option(
        False,
        "--accept-unkeyed",
        help="accept the unkeyed entries written before the audit key existed (once, after "
        "upgrading from a version without the key)",
    ),
) -> None:
    """Verify the whole chain, then sign its head (seq, hash, time, count) and append it to
    the checkpoints file; post it to ECOCIV_AUDIT_CHECKPOINT_WEBHOOK_URL if set. Refuses,
    writing nothing, when the chain is broken. Run daily (cron)."""
    path = ctx.obj.audit_checkpoints()
    try:
        result = services.write_checkpoint(
            ctx.obj.db,
            path,
            accept_unkeyed=accept_unkeyed,
            webhook_url=ctx.obj.audit_webhook_url(),
        )
    except EcocivError as exc:
        print(f"REFUSED: {exc.message}")
        raise typer.Exit(1) from None
    mark = result.checkpoint
    print(
        f"checkpoint written to {path}: seq={mark.seq} hash={mark.row_hash} "
        f"count={mark.count} at {instant_text(mark.at)}"
    )
    if mark.unkeyed_through:
        print(
            f"  unkeyed entries 1–{mark.unkeyed_through} accepted, with {len(mark.anchors)} anchors"
        )
    if result.post_error is not None:
        print(f"WARNING: posting the checkpoint failed: {result.post_error}")
        raise typer.Exit(1)
    if result.posted:
        print("checkpoint posted to the webhook")
