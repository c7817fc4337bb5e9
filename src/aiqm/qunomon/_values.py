"""Parsing the values of Qunomon manifests: names, versions, numbers written as strings."""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

__all__ = ["count", "has_japanese", "map_name", "normalise_version", "number", "parse_bool",
           "parse_typed"]

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def has_japanese(text: str) -> bool:
    """Whether ``text`` contains kana or kanji."""
    return bool(_JAPANESE.search(text or ""))


def map_name(original: str, *, max_len: int | None = None) -> str:
    """The aiqm name of a Qunomon name (see the module docstring).

    Examples
    --------
    >>> map_name("BLEU_Score"), map_name("Log"), map_name("3way coverage")
    ('bleu_score', 'log', 'q_3way_coverage')
    """
    s = re.sub(r"[^a-z0-9_]+", "_", original.strip().lower())
    s = re.sub(r"_+", "_", s).strip("_")
    if not s:
        raise ValueError(f"{original!r} has no letters or digits to make an aiqm name from")
    if not s[0].isalpha():
        s = "q_" + s
    if max_len is not None and len(s) > max_len:
        s = s[: max_len - 9] + "_" + hashlib.sha256(original.encode()).hexdigest()[:8]
    return s


def normalise_version(text: Any) -> str:
    """SemVer ``MAJOR.MINOR.PATCH`` from a Qunomon version string.

    Examples
    --------
    >>> normalise_version("0.4"), normalise_version("1"), normalise_version("v1.2.3")
    ('0.4.0', '1.0.0', '1.2.3')
    """
    if not isinstance(text, str):
        raise ValueError(
            f"must be a string such as \"0.10\"; got {text!r} (a JSON number loses trailing zeros)"
        )
    m = re.fullmatch(r"[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is not a version aiqm can use; write MAJOR[.MINOR[.PATCH]] digits only "
            "(e.g. \"0.4\" or \"1.2.3\"), without pre-release or build suffixes"
        )
    return ".".join(str(int(g or 0)) for g in m.groups())


def number(v: Any) -> float:
    """A number written as a string (or as a JSON number)."""
    if isinstance(v, bool):
        raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}")
    if isinstance(v, int | float):
        x = float(v)
    elif isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}") from None
    else:
        raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}")
    if not math.isfinite(x):
        raise ValueError(f"must be a finite number; got {v!r}")
    return x


def count(v: Any) -> int:
    x = number(v)
    if not x.is_integer() or x < 0:
        raise ValueError(f"must be a whole number of files (0 or more); got {v!r}")
    return int(x)


def parse_bool(v: Any) -> bool:
    """``True``/``False`` as Qunomon writes them (also ``true``, ``1``, ``0`` …)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    raise ValueError(f"must be True or False; got {v!r}")


def parse_typed(type_: str, v: Any) -> Any:
    """A parameter value of Qunomon type ``type_`` from its string form."""
    if type_ == "bool":
        return parse_bool(v)
    if type_ == "str":
        if not isinstance(v, str):
            raise ValueError(f"must be a string; got {v!r}")
        return v
    x = number(v)
    if type_ == "int":
        if not x.is_integer():
            raise ValueError(f"must be an int; got {v!r}")
        return int(x)
    return x


