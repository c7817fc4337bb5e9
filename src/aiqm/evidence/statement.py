"""in-toto Statement v1 describing an evidence bundle.

The statement's subjects are every file of the bundle (except the envelope
itself) with its SHA-256; its predicate (type :data:`PREDICATE_TYPE`) summarises
the run: component, guideline and levels, verdict and counts, tests, inventory
digests and the report digest.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "make_statement",
    "statement_subjects",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://aiqm.dev/evidence/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"


def make_statement(subjects: dict[str, str], predicate: dict[str, Any]) -> dict[str, Any]:
    """An in-toto Statement v1 over ``subjects`` (name to hex SHA-256), sorted by name.

    Examples
    --------
    >>> s = make_statement({"b.txt": "00" * 32, "a.txt": "11" * 32}, {"k": 1})
    >>> [x["name"] for x in s["subject"]], s["predicateType"]
    (['a.txt', 'b.txt'], 'https://aiqm.dev/evidence/v1')
    """
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": n, "digest": {"sha256": subjects[n]}} for n in sorted(subjects)],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def statement_subjects(statement: Any) -> dict[str, str]:
    """The subjects of a parsed statement as name to hex SHA-256.

    Raises
    ------
    ValueError
        When the statement is not an in-toto Statement v1 of aiqm evidence, or a
        subject is malformed or named twice.
    """
    if not isinstance(statement, dict):
        raise ValueError("the statement is not a JSON object")
    if statement.get("_type") != STATEMENT_TYPE:
        raise ValueError(
            f"the statement's _type is {statement.get('_type')!r}, not {STATEMENT_TYPE!r}"
        )
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise ValueError(
            f"the statement's predicateType is {statement.get('predicateType')!r}, not {PREDICATE_TYPE!r}"
        )
    subjects = statement.get("subject")
    if not isinstance(subjects, list):
        raise ValueError("the statement has no subject list")
    out: dict[str, str] = {}
    for entry in subjects:
        name = entry.get("name") if isinstance(entry, dict) else None
        digest = entry.get("digest", {}).get("sha256") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(digest, str) or len(digest) != 64:
            raise ValueError(f"malformed subject {entry!r}")
        if name in out:
            raise ValueError(f"subject {name!r} is listed twice")
        out[name] = digest.lower()
    return out
