"""``python -m aiqm.cli``."""

from __future__ import annotations

from aiqm.cli.main import main

main()
