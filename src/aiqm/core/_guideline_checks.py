"""Reference checks of a guideline: ids, levels, matrix, triggers, crosswalks, cycles, languages.

Every problem is one line that starts with the entry path of the offending
entry, e.g. ``internal[3].levels[1].requirements[0]: unknown requirement id
'B-2-L9-1'``. :func:`check_guideline` runs after the structural validation of
:class:`~aiqm.core.guideline.Guideline` (in :func:`~aiqm.core.guideline.parse_guideline`)
and returns all problems at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from aiqm.core._guideline_files import LOADING, available_guidelines, packaged_file
from aiqm.core._guideline_model import Guideline
from aiqm.core._guideline_parts import LANGUAGE_NAMES

__all__ = ["GuidelineLoader", "check_guideline", "find_cycle"]

GuidelineLoader = Callable[[str], Guideline]
"""Loads a packaged guideline by ``id@edition`` (crosswalk targets are checked against it)."""


def _dupes(items: Iterable[tuple[str, str]], what: str) -> list[str]:
    """``items`` are (id, path); report every repeat with the first place it appeared."""
    seen: dict[str, str] = {}
    out = []
    for ident, path in items:
        if ident in seen:
            out.append(f"{path}: duplicate {what} {ident!r} (first at {seen[ident]})")
        else:
            seen[ident] = path
    return out


def _known(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle in a directed graph as ``[a, b, …, a]``, or None.

    Examples
    --------
    >>> find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]})
    ['a', 'b', 'c', 'a']
    >>> find_cycle({"a": ["b"], "b": []}) is None
    True
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if state.get(start) is None:
            found = visit(start)
            if found:
                return found
    return None


def check_guideline(g: Guideline, load: GuidelineLoader) -> list[str]:
    """All reference problems of ``g`` (empty when it is consistent).

    ``load`` reads another packaged guideline, whose ids a crosswalk may name.
    """
    problems: list[str] = []
    problems += _check_ids(g)
    problems += _check_levels(g)
    problems += _check_requirements(g)
    problems += _check_matrix(g)
    problems += _check_triggers(g)
    problems += _check_crosswalks(g, load)
    problems += _check_cycles(g)
    problems += _check_languages(g)
    return problems


def _check_ids(g: Guideline) -> list[str]:
    chars = [(c.id, f"external[{i}].id") for i, c in enumerate(g.external)]
    chars += [(c.id, f"internal[{i}].id") for i, c in enumerate(g.internal)]
    out = _dupes(chars, "characteristic id")
    out += _dupes(((r.id, f"requirements[{i}].id") for i, r in enumerate(g.requirements)),
                  "requirement id")
    char_ids = {c for c, _ in chars}
    out += [
        f"requirements[{i}].id: {r.id!r} is also a characteristic id; use distinct ids"
        for i, r in enumerate(g.requirements) if r.id in char_ids
    ]
    for part, chars_ in (("external", g.external), ("internal", g.internal)):
        for i, c in enumerate(chars_):
            out += _dupes(((lv.id, f"{part}[{i}].levels[{j}].id") for j, lv in enumerate(c.levels)),
                          f"level id of {c.id}")
    for i, c in enumerate(g.external):
        out += _dupes(((q.id, f"external[{i}].questions[{j}].id")
                       for j, q in enumerate(c.questions)), f"question id of {c.id}")
        for j, q in enumerate(c.questions):
            out += _dupes(((o.id, f"external[{i}].questions[{j}].options[{k}].id")
                           for k, o in enumerate(q.options)), f"option id of question {q.id}")
            where = f"external[{i}].questions[{j}]"
            if q.kind == "choice" and not q.options:
                out.append(f"{where}.options: a choice question needs at least one option")
            if q.kind == "bool" and q.options:
                out.append(f"{where}.options: a bool question is answered yes or no; remove 'options'")
        defaults = [j for j, lv in enumerate(c.levels) if lv.default]
        if len(defaults) > 1:
            out.append(f"external[{i}].levels[{defaults[1]}].default: {c.id} has more than one "
                       "default level; keep one")
    for i, c in enumerate(g.internal):
        out += _dupes(((t.id, f"internal[{i}].tracks[{j}].id") for j, t in enumerate(c.tracks)),
                      f"track id of {c.id}")
    return out


def _check_levels(g: Guideline) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(g.internal):
        tracks = [t.id for t in c.tracks]
        level_ids = [lv.id for lv in c.levels]
        for j, lv in enumerate(c.levels):
            where = f"internal[{i}].levels[{j}]"
            if tracks and lv.track not in tracks:
                out.append(f"{where}.track: {c.id} has tracks {_known(tracks)}; "
                           f"set 'track' to one of them (got {lv.track!r})")
            elif not tracks and lv.track is not None:
                out.append(f"{where}.track: {c.id} declares no 'tracks'; declare track "
                           f"{lv.track!r} under internal[{i}].tracks or remove it")
            for k, rid in enumerate(lv.requirements):
                req = g.requirement(rid)
                if req is None:
                    out.append(f"{where}.requirements[{k}]: unknown requirement id {rid!r}")
                elif req.characteristic != c.id or req.level != lv.id:
                    out.append(
                        f"{where}.requirements[{k}]: requirement {rid!r} is declared for "
                        f"{req.characteristic} level {req.level}, not {c.id} level {lv.id}"
                    )
            for k, other in enumerate(lv.implies):
                if other not in level_ids:
                    out.append(f"{where}.implies[{k}]: unknown level {other!r} of {c.id} "
                               f"(levels: {_known(level_ids)})")
    return out


def _check_requirements(g: Guideline) -> list[str]:
    out: list[str] = []
    for i, r in enumerate(g.requirements):
        where = f"requirements[{i}]"
        char = g.characteristic(r.characteristic)
        if char is None:
            out.append(f"{where}.characteristic: unknown characteristic {r.characteristic!r} "
                       f"(characteristics: {_known(g.characteristic_ids)})")
            continue
        if r.level is not None:
            internal = g.internal_characteristic(r.characteristic)
            levels = [lv.id for lv in internal.levels] if internal is not None else []
            if r.level not in levels:
                out.append(f"{where}.level: unknown level {r.level!r} of {r.characteristic} "
                           f"(levels: {_known(levels)})")
            elif internal is not None:
                lv = next(x for x in internal.levels if x.id == r.level)
                if r.id not in lv.requirements:
                    j = levels.index(r.level)
                    n = g.internal.index(internal)
                    out.append(f"{where}: {r.id!r} is at level {r.level} of {r.characteristic}, "
                               f"but internal[{n}].levels[{j}].requirements does not list it")
        for k, other in enumerate(r.based_on):
            if g.requirement(other) is None:
                out.append(f"{where}.based_on[{k}]: unknown requirement id {other!r}")
    return out


def _check_matrix(g: Guideline) -> list[str]:
    out = _dupes(((row.external, f"level_matrix[{i}].external")
                  for i, row in enumerate(g.level_matrix)), "matrix row for external level")
    external_ids = [lv.id for c in g.external for lv in c.levels]
    for i, row in enumerate(g.level_matrix):
        where = f"level_matrix[{i}]"
        if g.external_level(row.external) is None:
            out.append(f"{where}.external: unknown external level {row.external!r} "
                       f"(external levels: {_known(external_ids)})")
        for cid, level_id in row.targets.items():
            internal = g.internal_characteristic(cid)
            if internal is None:
                out.append(f"{where}.targets.{cid}: unknown internal characteristic {cid!r} "
                           f"(internal: {_known(c.id for c in g.internal)})")
            elif not any(lv.id == level_id for lv in internal.levels):
                out.append(f"{where}.targets.{cid}: unknown level {level_id!r} of {cid} "
                           f"(levels: {_known(lv.id for lv in internal.levels)})")
    return out


def _check_triggers(g: Guideline) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(g.external):
        questions = {q.id: q for q in c.questions}
        for j, lv in enumerate(c.levels):
            for k, trig in enumerate(lv.triggers):
                for qid, answers in trig.when.items():
                    where = f"external[{i}].levels[{j}].triggers[{k}].when.{qid}"
                    q = questions.get(qid)
                    if q is None:
                        out.append(f"{where}: unknown question {qid!r} of {c.id} "
                                   f"(questions: {_known(questions)})")
                        continue
                    bad = [a for a in answers if a not in q.answers()]
                    if bad or not answers:
                        out.append(f"{where}: answer {bad[0] if bad else '(none)'!r} is not an "
                                   f"answer of question {qid!r} (answers: {_known(q.answers())})")
    return out


def _check_crosswalks(g: Guideline, load: GuidelineLoader) -> list[str]:
    out: list[str] = []
    own = set(g.characteristic_ids) | {r.id for r in g.requirements}
    for i, cw in enumerate(g.crosswalks):
        where = f"crosswalks[{i}]"
        if cw.source not in own:
            out.append(f"{where}.from: unknown characteristic or requirement id {cw.source!r}")
        target = cw.to
        if target.id is None:
            continue
        if target.guideline is None or target.guideline == g.ref:
            if target.id not in own:
                out.append(f"{where}.to.id: unknown characteristic or requirement id "
                           f"{target.id!r} of this guideline")
            continue
        if target.guideline not in available_guidelines():
            out.append(f"{where}.to.guideline: unknown guideline {target.guideline!r} "
                       f"(packaged: {_known(available_guidelines())}); write 'id@edition'")
            continue
        if packaged_file(target.guideline) in LOADING:
            continue  # the two files point at each other; each is checked on its own load
        other = load(target.guideline)
        if other.characteristic(target.id) is None and other.requirement(target.id) is None:
            out.append(f"{where}.to.id: {target.guideline} has no characteristic or "
                       f"requirement {target.id!r}")
    return out


def _check_cycles(g: Guideline) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(g.internal):
        cycle = find_cycle({lv.id: lv.implies for lv in c.levels})
        if cycle:
            j = next(n for n, lv in enumerate(c.levels) if lv.id == cycle[0])
            out.append(f"internal[{i}].levels[{j}].implies: cycle of level implications "
                       f"{' → '.join(cycle)}")
    cycle = find_cycle({r.id: r.based_on for r in g.requirements})
    if cycle:
        j = next(n for n, r in enumerate(g.requirements) if r.id == cycle[0])
        out.append(f"requirements[{j}].based_on: cycle of requirement references "
                   f"{' → '.join(cycle)}")
    local: dict[str, list[str]] = {}
    first: dict[tuple[str, str], int] = {}
    for i, cw in enumerate(g.crosswalks):
        if cw.to.id is not None and cw.to.guideline in (None, g.ref):
            local.setdefault(cw.source, []).append(cw.to.id)
            first.setdefault((cw.source, cw.to.id), i)
    cycle = find_cycle(local)
    if cycle:
        i = first[(cycle[0], cycle[1])]
        out.append(f"crosswalks[{i}]: cycle of crosswalk references {' → '.join(cycle)}")
    return out


def _check_languages(g: Guideline) -> list[str]:
    out: list[str] = []
    declared = ", ".join(g.meta.languages)
    for path, text in g.iter_texts():
        for lang in g.meta.languages:
            if not getattr(text, lang, ""):
                out.append(f"{path}: missing {LANGUAGE_NAMES[lang]} ({lang!r}) text; the "
                           f"guideline declares languages {declared}")
    return out
