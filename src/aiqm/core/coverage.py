"""Guideline coverage: which required requirements are passed, failed, missing or pending.

Pure functions over a run's results; no I/O. The rules:

- **Evidence** for a requirement is any of

  * a test (TD) whose requirement ids include it (``C-1-L1-1``, or qualified
    ``aist-mlqm:C-1-L1-1``); an ``OK`` test is passed evidence, ``NG`` and
    ``ERR`` are failed evidence, ``NA`` (not executed) is none;
  * a checklist row naming it (:class:`ChecklistAnswer`): ``yes`` is passed,
    ``no`` failed, ``not-applicable`` with a rationale passed, anything
    unanswered or incomplete pending;
  * for a guideline whose ``meta.manifest_key`` is set (ISO/IEC 5259-2), a test
    whose AIT lists the requirement id under that manifest field;
  * an ``equivalent`` or ``partial`` crosswalk from the requirement (or its
    characteristic) to another guideline's requirement (its state), to another
    guideline's characteristic (the tests on it), or to an AIT measure (the
    tests running that AIT: the criteria on that measure when there are any,
    else the test's status). ``related`` crosswalks carry no evidence.

- **State** of a requirement: ``failed`` if any evidence failed, else
  ``pending`` if any is pending, else ``passed`` if there is evidence, else
  ``missing``.
- **Achieved level** of an internal characteristic (per track): the highest
  level whose requirements, cumulatively, are all passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiqm.core.guideline import (
    Guideline,
    InternalCharacteristic,
    InternalLevel,
    Requirement,
    load_guideline,
)
from aiqm.core.levels import cumulative_levels, required_levels, required_requirements
from aiqm.core.manifest import AITManifest
from aiqm.core.results import Status, TDResult
from aiqm.exceptions import InputError

__all__ = [
    "CHECKLIST_TABLE",
    "STATES",
    "CharacteristicCoverage",
    "ChecklistAnswer",
    "CoverageNote",
    "CoverageState",
    "Evidence",
    "EvidenceState",
    "GuidelineCoverage",
    "RequirementCoverage",
    "combine_states",
    "compute_coverage",
    "requirements_for_test",
    "resolve_requirement",
    "status_state",
]

CHECKLIST_TABLE = "checklist_answers"
"""Name of the table resource in which a checklist AIT reports its rows (see
:class:`ChecklistAnswer`); coverage reads it from any test result."""

CoverageState = Literal["passed", "failed", "missing", "pending"]
EvidenceState = Literal["passed", "failed", "pending"]
STATES: tuple[CoverageState, ...] = ("passed", "failed", "missing", "pending")


@dataclass(frozen=True)
class ChecklistAnswer:
    """One answered (or unanswered) checklist row, as a checklist AIT reports it.

    ``answer`` is ``yes``, ``no``, ``not-applicable`` or empty; ``state`` is the
    evidence state the row gives its requirement.
    """

    requirement: str
    answer: str
    state: EvidenceState
    owner: str = ""
    date: str = ""
    rationale: str = ""
    artifacts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence for a requirement.

    ``kind`` is ``test``, ``checklist`` or ``crosswalk``; ``source`` is the test
    name (test, checklist) or the crosswalk target; ``status`` the test status,
    the checklist answer or the target's state; ``tests`` the tests behind it.
    """

    kind: Literal["test", "checklist", "crosswalk"]
    state: EvidenceState
    source: str
    status: str
    detail: str = ""
    tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequirementCoverage:
    """A requirement, whether the targets require it, its state and its evidence."""

    requirement: Requirement
    required: bool
    state: CoverageState
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class CharacteristicCoverage:
    """Required and achieved levels (per track) of an internal characteristic, and counts.

    ``unmapped_tests`` are tests on the characteristic that evidence none of its
    requirements (give them ``requirements:``).
    """

    characteristic: InternalCharacteristic
    required: Mapping[str | None, InternalLevel]
    achieved: Mapping[str | None, InternalLevel | None]
    counts: Mapping[CoverageState, int]
    unmapped_tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoverageNote:
    """A remark on the coverage, by code (rendered through the i18n catalogue)."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GuidelineCoverage:
    """Coverage of one guideline of the component."""

    guideline: Guideline
    levels: Mapping[str, str]
    requirements: tuple[RequirementCoverage, ...]
    characteristics: tuple[CharacteristicCoverage, ...]
    notes: tuple[CoverageNote, ...] = ()

    @property
    def mode(self) -> Literal["levels", "crosswalk"]:
        return "levels" if self.guideline.has_levels else "crosswalk"

    @property
    def required(self) -> tuple[RequirementCoverage, ...]:
        return tuple(r for r in self.requirements if r.required)

    @property
    def counts(self) -> dict[CoverageState, int]:
        return _count(r.state for r in self.required)


def _count(states: Iterable[CoverageState]) -> dict[CoverageState, int]:
    out: dict[CoverageState, int] = dict.fromkeys(STATES, 0)
    for s in states:
        out[s] += 1
    return out


def combine_states(states: Iterable[EvidenceState]) -> CoverageState:
    """The state of a requirement from the states of its evidence.

    Examples
    --------
    >>> combine_states([]), combine_states(["passed"]), combine_states(["passed", "pending"])
    ('missing', 'passed', 'pending')
    >>> combine_states(["passed", "failed", "pending"])
    'failed'
    """
    seen = set(states)
    if not seen:
        return "missing"
    for state in ("failed", "pending"):
        if state in seen:
            return state  # type: ignore[return-value]
    return "passed"


def status_state(status: Status | str) -> EvidenceState | None:
    """Evidence state of a test status: OK passed, NG/ERR failed, NA none.

    Examples
    --------
    >>> status_state("OK"), status_state("ERR"), status_state("NA")
    ('passed', 'failed', None)
    """
    s = Status(status)
    if s == Status.OK:
        return "passed"
    if s in (Status.NG, Status.ERR):
        return "failed"
    return None


def _names(g: Guideline, rid: str) -> set[str]:
    return {rid, f"{g.meta.id}:{rid}", f"{g.ref}:{rid}"}


class _Collector:
    """Evidence per (guideline, requirement), memoised; follows crosswalks."""

    def __init__(
        self,
        results: Sequence[TDResult],
        manifests: Mapping[str, AITManifest],
        checklist: Mapping[str, Sequence[ChecklistAnswer]],
        resolve: Callable[[str], Guideline | None],
    ) -> None:
        self.results = [r for r in results if status_state(r.status) is not None]
        self.manifests = manifests
        self.checklist = checklist
        self.resolve = resolve
        self._memo: dict[tuple[str, str], tuple[Evidence, ...]] = {}
        self._busy: set[tuple[str, str]] = set()

    def evidence(self, g: Guideline, req: Requirement) -> tuple[Evidence, ...]:
        key = (g.ref, req.id)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:  # a crosswalk loop across files: stop here
            return ()
        self._busy.add(key)
        try:
            found = tuple(self._direct(g, req) + self._crosswalked(g, req))
        finally:
            self._busy.discard(key)
        self._memo[key] = found
        return found

    def state(self, g: Guideline, req: Requirement) -> CoverageState:
        return combine_states(e.state for e in self.evidence(g, req))

    def _direct(self, g: Guideline, req: Requirement) -> list[Evidence]:
        names = _names(g, req.id)
        out: list[Evidence] = []
        for r in self.results:
            if names & set(r.requirements):
                state = status_state(r.status)
                if state is not None:
                    out.append(Evidence("test", state, r.td_name, r.status.value, tests=(r.td_name,)))
        for td_name, answers in self.checklist.items():
            for a in answers:
                if a.requirement in names:
                    detail = "; ".join(x for x in (a.owner, a.date, a.rationale, a.note) if x)
                    out.append(Evidence("checklist", a.state, td_name, a.answer or "unanswered",
                                        detail, (td_name,)))
        key = g.meta.manifest_key
        if key:
            evidenced = {e.source for e in out}
            for r in self.results:
                m = self.manifests.get(f"{r.ait_id}@{r.ait_version}")
                ids = getattr(m, key, ()) if m is not None else ()
                state = status_state(r.status)
                if req.id in ids and r.td_name not in evidenced and state is not None:
                    out.append(Evidence("test", state, r.td_name, r.status.value,
                                        f"{r.ait_id} declares {req.id}", (r.td_name,)))
        return out

    def _crosswalked(self, g: Guideline, req: Requirement) -> list[Evidence]:
        out: list[Evidence] = []
        for cw in g.crosswalks:
            if cw.source not in (req.id, req.characteristic) or cw.relation == "related":
                continue
            t = cw.to
            if t.ait is not None and t.measure is not None:
                out += self._measure(t.ait, t.measure, cw.relation)
                continue
            target = g if t.guideline in (None, g.ref) else self.resolve(str(t.guideline))
            if target is None or t.id is None:
                continue
            label = t.id if target is g else f"{target.ref}:{t.id}"
            other = target.requirement(t.id)
            if other is not None:
                sub = self.evidence(target, other)
                tests: tuple[str, ...] = tuple(dict.fromkeys(n for e in sub for n in e.tests))
                state = combine_states(e.state for e in sub)
            else:
                on = [r for r in self.results if r.characteristic == t.id]
                tests = tuple(r.td_name for r in on)
                state = combine_states(s for r in on if (s := status_state(r.status)))
            if state != "missing":
                out.append(Evidence("crosswalk", state, label, state, cw.relation, tests))
        return out

    def _measure(self, ait: str, measure: str, relation: str) -> list[Evidence]:
        out: list[Evidence] = []
        for r in self.results:
            if r.ait_id != ait or r.measure(measure) is None:
                continue
            judged = [c.passed for c in r.criteria if c.measure == measure]
            if judged:
                state: EvidenceState | None = "passed" if all(judged) else "failed"
            else:
                state = status_state(r.status)
            if state is not None:
                out.append(Evidence("crosswalk", state, f"{ait}.{measure}", state, relation,
                                    (r.td_name,)))
        return out


def _achieved(
    char: InternalCharacteristic, states: Mapping[str, CoverageState]
) -> dict[str | None, InternalLevel | None]:
    out: dict[str | None, InternalLevel | None] = {}
    tracks: list[str | None] = [t.id for t in char.tracks] or [None]
    for track in tracks:
        best: InternalLevel | None = None
        for lv in char.track_levels(track):
            reqs = [rid for x in cumulative_levels(char, lv) for rid in x.requirements]
            if reqs and all(states.get(rid) == "passed" for rid in reqs):
                best = lv
            else:
                break
        out[track] = best
    return out


def compute_coverage(
    guideline: Guideline,
    levels: Mapping[str, str],
    results: Sequence[TDResult],
    manifests: Mapping[str, AITManifest] | None = None,
    checklist: Mapping[str, Sequence[ChecklistAnswer]] | None = None,
    resolve: Callable[[str], Guideline | None] | None = None,
) -> GuidelineCoverage:
    """Coverage of one guideline by a run's results and checklist answers.

    Parameters
    ----------
    guideline : Guideline
        The guideline.
    levels : mapping
        The component's target external levels (ids the guideline does not
        define are ignored: they belong to another guideline).
    results : sequence of TDResult
        The run's test results; ``requirements`` holds the ids each test evidences.
    manifests : mapping, default=None
        ``"<ait id>@<version>"`` → manifest (for ``meta.manifest_key``).
    checklist : mapping, default=None
        Test name → the :class:`ChecklistAnswer` rows its checklist reported.
    resolve : callable, default=None
        Looks up another guideline by ref for crosswalks (None: packaged ones).

    Returns
    -------
    GuidelineCoverage
    """
    if resolve is None:
        def resolve(ref: str) -> Guideline | None:
            try:
                return load_guideline(ref)
            except Exception:
                return None

    own = {k: v for k, v in levels.items() if guideline.external_characteristic(k) is not None}
    collector = _Collector(results, manifests or {}, checklist or {}, resolve)
    required_ids = {r.id for r in required_requirements(guideline, own)}
    reqs = tuple(
        RequirementCoverage(r, r.id in required_ids, collector.state(guideline, r),
                            collector.evidence(guideline, r))
        for r in guideline.requirements
    )
    states = {rc.requirement.id: rc.state for rc in reqs}
    need = required_levels(guideline, own) if guideline.has_levels else {}
    chars = []
    for char in guideline.internal:
        mine = [rc for rc in reqs if rc.requirement.characteristic == char.id]
        mapped = {n for rc in mine for e in rc.evidence for n in e.tests}
        unmapped = tuple(
            r.td_name for r in results
            if r.characteristic == char.id and r.td_name not in mapped and r.status != Status.NA
        )
        chars.append(CharacteristicCoverage(
            char,
            {track: rl.level for (cid, track), rl in need.items() if cid == char.id},
            _achieved(char, states),
            _count(rc.state for rc in mine if rc.required),
            unmapped,
        ))
    return GuidelineCoverage(guideline, own, reqs, tuple(chars), tuple(_notes(guideline, own)))


def _notes(g: Guideline, levels: Mapping[str, str]) -> list[CoverageNote]:
    notes: list[CoverageNote] = []
    if not g.has_levels:
        return [CoverageNote("crosswalk_rule")]
    if not levels:
        notes.append(CoverageNote("no_levels"))
    for cid, ref in levels.items():
        char = g.external_characteristic(cid)
        lv = char.level(str(ref)) if char is not None else None
        if lv is not None and not getattr(lv, "in_scope", True):
            notes.append(CoverageNote("beyond_scope", {"level": f"{cid} {lv.label}"}))
    return notes


def resolve_requirement(
    ref: str, guidelines: Sequence[Guideline]
) -> list[tuple[Guideline, Requirement]]:
    """Every (guideline, requirement) a requirement reference names.

    ``ref`` is an id (``C-1-L1-1``) or an id qualified by the guideline
    (``aist-mlqm:C-1-L1-1`` or ``aist-mlqm@3:C-1-L1-1``).
    """
    prefix, sep, rid = ref.rpartition(":")
    out = []
    for g in guidelines:
        if sep and prefix not in (g.meta.id, g.ref):
            continue
        req = g.requirement(rid if sep else ref)
        if req is not None:
            out.append((g, req))
    return out


def requirements_for_test(
    characteristic: str,
    given: Sequence[str],
    declared: Sequence[str],
    guidelines: Sequence[Guideline],
) -> tuple[str, ...]:
    """The requirement ids a test evidences.

    Parameters
    ----------
    characteristic : str
        The test's characteristic.
    given : sequence of str
        The test description's ``requirements`` (replaces the AIT's: it may
        narrow or extend them). Each must name a requirement of the guidelines.
    declared : sequence of str
        The AIT manifest's ``requirements``. Without ``given``, those of the
        test's characteristic are taken (all of them when the characteristic is
        an external one); ids no guideline defines are dropped.
    guidelines : sequence of Guideline
        The component's guidelines (none: ``given or declared`` unchecked).

    Raises
    ------
    InputError
        For a given id no guideline defines, or that several define (qualify it).

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> g = [load_guideline("aist-mlqm@3")]
    >>> requirements_for_test("C-1", [], ["C-1-L1-1", "B-3-L2-4", "X-9"], g)
    ('C-1-L1-1',)
    >>> requirements_for_test("AIFL", [], ["C-1-L1-1", "B-3-L2-4"], g)
    ('C-1-L1-1', 'B-3-L2-4')
    """
    if not guidelines:
        return tuple(given or declared)
    if given:
        for ref in given:
            found = resolve_requirement(ref, guidelines)
            if not found:
                own = [r.id for g in guidelines for r in g.requirements_of(characteristic)]
                hint = (f"requirements of {characteristic}: {', '.join(own)}" if own else
                        "list them with `aiqm guideline show <guideline>`")
                raise InputError(f"unknown requirement id {ref!r} in 'requirements' "
                                 f"(not in {', '.join(g.ref for g in guidelines)}); {hint}")
            if len(found) > 1:
                raise InputError(
                    f"requirement id {ref!r} is in several guidelines; qualify it as "
                    + " or ".join(f"'{g.meta.id}:{ref}'" for g, _ in found)
                )
        return tuple(given)
    external = any(g.external_characteristic(characteristic) for g in guidelines)
    out = []
    for ref in declared:
        found = resolve_requirement(ref, guidelines)
        if found and (external or any(r.characteristic == characteristic for _, r in found)):
            out.append(ref)
    return tuple(out)
