"""``python -m aiqm``."""

from __future__ import annotations

from aiqm.cli.main import main

main()
