"""Shared CLI plumbing: consoles, error handling, exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from aiqm.exceptions import AIQMError, InputError, StoreError

__all__ = ["EXIT_INPUT", "EXIT_NG", "EXIT_OK", "console", "err_console", "handle_errors"]

EXIT_OK = 0
EXIT_NG = 1
EXIT_INPUT = 2

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn aiqm's errors into a message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (InputError, StoreError) as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except AIQMError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            err_console.print(
                "interrupted; finished results are stored — `aiqm run --resume` completes the run"
            )
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


STATUS_STYLE = {"OK": "bold green", "NG": "bold red", "ERR": "bold yellow", "NA": "dim"}
