"""Dataset profiles cached by dataset digest, so AITs on the same data profile it once.

Files live in ``<cache_dir>/profiles/<digest hex>.h<bins>.v<format>.json`` and
hold one :class:`~.profile.ColumnProfile` per column profiled so far. A
lookup takes the columns it needs from any file of the dataset (the number
of histogram bins only matters to the ``dataset_profile`` AIT), profiles the
rest and merges them into the file. Writers hold an exclusive ``flock`` on a
lock file beside it, and replace the file atomically, so two workers profiling
the same dataset at once compute it once and readers never see half a file.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiqm.data.cache import atomic_path
from aiqm.data.digest import digest_hex
from aiqm.plugins.builtin._tabular.profile import DEFAULT_BINS, ColumnProfile, profile_table

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset

__all__ = ["FORMAT", "ProfileLookup", "get_profiles", "load_cached", "profile_path", "store"]

#: Version of the file layout; a change makes old files invisible (they are recomputed).
FORMAT = 1

_log = logging.getLogger(__name__)


def profile_path(cache_dir: Path, digest: str, n_bins: int = DEFAULT_BINS) -> Path:
    """Where the profile of the dataset with ``digest`` (and ``n_bins`` bins) is cached."""
    return Path(cache_dir) / "profiles" / f"{digest_hex(digest)}.h{n_bins}.v{FORMAT}.json"


def _read(path: Path, digest: str) -> dict[str, ColumnProfile]:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT or data.get("digest") != digest:
            return {}
        return {name: ColumnProfile.from_json(p) for name, p in data["columns"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:  # damaged: ignored, then rewritten
        _log.warning("ignoring unreadable profile cache file %s (%s)", path, exc)
        return {}


def load_cached(
    cache_dir: Path, digest: str, names: Sequence[str], *, n_bins: int | None = None
) -> dict[str, ColumnProfile]:
    """Return the cached profiles of ``names`` (those found) for the dataset ``digest``.

    Parameters
    ----------
    cache_dir : pathlib.Path
        The project's cache folder.
    digest : str
        The dataset's ``"sha256:<hex>"`` digest.
    names : sequence of str
        Columns wanted.
    n_bins : int, default=None
        Only profiles with this many histogram bins; None takes any (the
        default-bin file first).
    """
    folder = Path(cache_dir) / "profiles"
    if n_bins is not None:
        paths = [profile_path(cache_dir, digest, n_bins)]
    else:
        first = profile_path(cache_dir, digest, DEFAULT_BINS)
        others = sorted(folder.glob(f"{digest_hex(digest)}.h*.v{FORMAT}.json")) if folder.is_dir() else []
        paths = [first, *(p for p in others if p != first)]
    found: dict[str, ColumnProfile] = {}
    wanted = set(names)
    for path in paths:
        if not wanted - set(found):
            break
        for name, prof in _read(path, digest).items():
            if name in wanted and name not in found:
                found[name] = prof
    return {n: found[n] for n in names if n in found}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX ``flock``; no lock elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl  # lazy: POSIX only; elsewhere the profile cache works without a lock
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _write(path: Path, digest: str, n_rows: int, n_bins: int, merged: Mapping[str, ColumnProfile]) -> None:
    doc = {
        "format": FORMAT, "digest": digest, "n_rows": n_rows, "n_bins": n_bins,
        "columns": {name: p.to_json() for name, p in merged.items()},
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, allow_nan=False), "utf-8")


def store(
    cache_dir: Path, digest: str, n_rows: int, profiles: Mapping[str, ColumnProfile],
    *, n_bins: int = DEFAULT_BINS,
) -> Path:
    """Merge ``profiles`` into the cached profile of the dataset and return its path."""
    path = profile_path(cache_dir, digest, n_bins)
    with _locked(path.with_suffix(".lock")):
        merged = _read(path, digest)
        merged.update(profiles)
        _write(path, digest, n_rows, n_bins, merged)
    return path


@dataclass
class ProfileLookup:
    """Profiles of the asked columns, and which came from the cache.

    Attributes
    ----------
    profiles : dict of str to ColumnProfile
        In the order asked.
    cached : list of str
        Columns read from the cache.
    computed : list of str
        Columns profiled now (and added to the cache).
    path : pathlib.Path or None
        The cache file written, if any.
    """

    profiles: dict[str, ColumnProfile]
    cached: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    path: Path | None = None


def get_profiles(
    ds: Dataset,
    names: Sequence[str],
    cache_dir: Path,
    *,
    n_bins: int = DEFAULT_BINS,
    exact_bins: bool = False,
    progress: Callable[[int, int], None] | None = None,
    log: logging.Logger | None = None,
) -> ProfileLookup:
    """Return profiles of ``names``, from the cache when there, computed (and cached) if not.

    Parameters
    ----------
    ds : Dataset
        The dataset.
    names : sequence of str
        Columns to profile.
    cache_dir : pathlib.Path
        The project's cache folder (``ctx.cache_dir``).
    n_bins : int, default=20
        Histogram bins of newly computed profiles.
    exact_bins : bool, default=False
        Accept only cached profiles with ``n_bins`` bins (the profile AIT
        shows the histograms; the other AITs do not use them).
    progress : callable, default=None
        Called as ``progress(done, total)`` while profiling.
    log : logging.Logger, default=None
        Where to say what came from the cache.
    """
    log = log or _log
    names = list(dict.fromkeys(names))
    found = load_cached(cache_dir, ds.digest, names, n_bins=n_bins if exact_bins else None)
    missing = [n for n in names if n not in found]
    path = None
    if missing:
        path = profile_path(cache_dir, ds.digest, n_bins)
        with _locked(path.with_suffix(".lock")):
            # another worker may have profiled them while we waited for the lock
            found.update(load_cached(cache_dir, ds.digest, missing, n_bins=n_bins))
            todo = [n for n in missing if n not in found]
            computed = profile_table(ds.table, todo, n_bins=n_bins, progress=progress) if todo else {}
            if computed:
                merged = _read(path, ds.digest)
                merged.update(computed)
                _write(path, ds.digest, ds.num_rows, n_bins, merged)
        found.update(computed)
    else:
        computed = {}
    cached = [n for n in names if n not in computed]
    log.info(
        "profile of dataset %r: %d column(s) from the cache, %d computed%s",
        ds.name, len(cached), len(computed), f" (cached in {path})" if computed else "",
    )
    return ProfileLookup({n: found[n] for n in names}, cached, list(computed), path)
