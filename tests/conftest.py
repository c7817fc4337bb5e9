from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Imported (Qunomon) AITs live in a per-user store; the suite never reads or writes the
# developer's own. Set before any worker process starts, so every process sees it.
if "AIQM_AIT_STORE" not in os.environ:
    import tempfile

    os.environ["AIQM_AIT_STORE"] = tempfile.mkdtemp(prefix="aiqm-test-ait-store-")
