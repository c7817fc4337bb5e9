"""`aiqm bundle`, `aiqm verify` and `aiqm keys generate`: signed evidence bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aiqm.cli._common import EXIT_NG, console, err_console, handle_errors
from aiqm.render.i18n import LANGUAGES
from aiqm.services.evidence import create_bundle, generate_keys, verify_bundle_file

__all__ = ["keys_app", "register"]

keys_app = typer.Typer(help="Ed25519 key pairs that sign evidence bundles.", no_args_is_help=True)


@keys_app.command("generate")
@handle_errors
def keys_generate_cmd(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the key pair into.")
    ] = Path("."),
    name: Annotated[
        str, typer.Option(help="Base name: writes NAME.pem and NAME.pub.pem.")
    ] = "aiqm-signing",
    force: Annotated[bool, typer.Option("--force", help="Replace existing key files.")] = False,
) -> None:
    """Generate an Ed25519 key pair (private key mode 0600; set AIQM_KEY_PASSWORD to encrypt it)."""
    pair = generate_keys(output, name, force=force)
    console.print(f"private key: {pair.private} (keep it secret; mode 0600)")
    console.print(f"public key:  {pair.public} (give it to whoever verifies bundles)")
    console.print(f"key id:      {pair.keyid}")


def register(app: typer.Typer) -> None:
    @app.command("bundle")
    @handle_errors
    def bundle_cmd(
        run: Annotated[str, typer.Argument(help="Run id, id prefix, or 'latest'.")] = "latest",
        output: Annotated[Path, typer.Option("--output", "-o", help="The zip to write.")] = Path(
            "evidence.zip"
        ),
        key: Annotated[
            Path | None,
            typer.Option(
                "--key",
                "-k",
                envvar="AIQM_SIGNING_KEY",
                help="Private key (.pem) that signs the bundle.",
            ),
        ] = None,
        project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path(
            "."
        ),
        include_data: Annotated[
            bool, typer.Option("--include-data", help="Also bundle the inventories' data files.")
        ] = False,
        lang: Annotated[str, typer.Option(help="Language of the HTML and PDF: en or ja.")] = "en",
        as_json: Annotated[
            bool, typer.Option("--json", help="Print a machine-readable summary.")
        ] = False,
    ) -> None:
        """Write a signed evidence bundle: report JSON/HTML/PDF, artifacts, config, digests."""
        if key is None:
            raise typer.BadParameter(
                "pass the private key that signs the bundle (or set AIQM_SIGNING_KEY); "
                "make one with `aiqm keys generate`",
                param_hint="--key",
            )
        if lang not in LANGUAGES:
            raise typer.BadParameter(f"use one of {', '.join(LANGUAGES)}", param_hint="--lang")
        result = create_bundle(project, run, output, key, include_data=include_data, lang=lang)
        if as_json:
            print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
            return
        console.print(
            f"wrote {escape(str(result.path))}: run {escape(result.run_id)}, "
            f"{len(result.files)} files signed by key {result.keyid[:16]}…"
        )
        console.print(f"report digest {result.report_digest}")
        for m in result.missing:
            err_console.print(
                f"[yellow]not included:[/] {escape(m['path'])}: {escape(m['reason'])}"
            )

    @app.command("verify")
    @handle_errors
    def verify_cmd(
        bundle: Annotated[Path, typer.Argument(help="The evidence bundle (zip).")],
        key: Annotated[
            Path | None,
            typer.Option("--key", "-k", help="Trusted public key (.pub.pem) of the signer."),
        ] = None,
        max_size: Annotated[
            int | None,
            typer.Option(help="Refuse bundles whose files add up to more bytes (default 8 GiB)."),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print a machine-readable result.")
        ] = False,
    ) -> None:
        """Check a bundle's signature and every file's digest; exit 0 only if all match."""
        if key is None:
            raise typer.BadParameter(
                "pass the signer's public key, e.g. --key aiqm-signing.pub.pem", param_hint="--key"
            )
        result = verify_bundle_file(bundle, key, max_bytes=max_size)
        if as_json:
            print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        elif result.ok:
            run = (result.predicate or {}).get("run") or {}
            summary = (result.predicate or {}).get("summary") or {}
            console.print(
                f"[bold green]verified[/]: {escape(str(bundle))}: the signature by key "
                f"{result.keyid[:16]}… is valid and all {result.files} files match the signed statement"
            )
            console.print(
                f"run {escape(str(run.get('id', '?')))}, verdict {summary.get('verdict', '?')}, "
                f"report digest {(result.predicate or {}).get('report_digest', '?')}"
            )
        else:
            err_console.print(
                f"[bold red]verification failed[/]: {escape(str(bundle))}: {len(result.problems)} problem(s)"
            )
            for p in result.problems:
                where = f"{p.path}: " if p.path else ""
                err_console.print(f"  {p.kind:<13} {escape(where + p.message)}", soft_wrap=True)
        if not result.ok:
            raise typer.Exit(EXIT_NG)
