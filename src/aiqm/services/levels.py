"""Use cases: determine target levels, show what they require, write them into ``aiqm.yaml``.

From Python::

    from aiqm.core.guideline import load_guideline
    from aiqm.services.levels import determine_target_levels

    result = determine_target_levels(
        load_guideline("aist-mlqm@3"),
        answers={"AISL": {"human_severity": "minor", "human_avoidability": "supervision",
                          "economic_severity": "none", "economic_avoidability": "supervision"}},
        levels={"AIPL": "1"},
    )
    result.levels            # {'AISL': '0.2', 'AIPL': '1'}
    len(result.requirements)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.guideline import Guideline, Requirement
from aiqm.core.levels import (
    Determination,
    RequiredLevel,
    determine_levels,
    required_levels,
    required_requirements,
    resolve_targets,
)
from aiqm.core.project import PROJECT_FILE, parse_project
from aiqm.exceptions import InputError

__all__ = [
    "LevelsResult",
    "determine_target_levels",
    "load_answers",
    "parse_answer_flags",
    "parse_level_flags",
    "write_levels",
]


@dataclass
class LevelsResult:
    """Target external levels and what they imply.

    Attributes
    ----------
    guideline : Guideline
    levels : dict
        External characteristic id → level label (``{"AISL": "0.2"}``).
    determinations : dict
        How each level determined from answers came about.
    required : dict
        ``(characteristic, track)`` → the internal level required.
    requirements : list of Requirement
        Every requirement the levels imply (cumulative).
    """

    guideline: Guideline
    levels: dict[str, str]
    determinations: dict[str, Determination] = field(default_factory=dict)
    required: dict[tuple[str, str | None], RequiredLevel] = field(default_factory=dict)
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Required requirements per evidence kind, and in total."""
        out = {"total": len(self.requirements), "measure": 0, "checklist": 0, "document": 0}
        for r in self.requirements:
            out[r.evidence] += 1
        return out

    @property
    def out_of_scope(self) -> list[str]:
        """Target levels the guideline names but gives no criteria for (``AISL 3``)."""
        targets = resolve_targets(self.guideline, self.levels, strict=False)
        return [f"{cid} {lv.label}" for cid, lv in targets.items() if not lv.in_scope]

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "guideline": self.guideline.ref,
            "levels": dict(self.levels),
            "determined": {
                cid: {"level": d.level.label, "answers": d.answers, "verified": d.verified,
                      "triggers": [dict(t.when) for t in d.fired]}
                for cid, d in self.determinations.items()
            },
            "required_levels": [
                {"characteristic": r.characteristic, "track": r.track, "level": r.level.label,
                 "because": list(r.because)}
                for r in self.required.values()
            ],
            "requirements": [r.id for r in self.requirements],
            "counts": self.counts,
            "out_of_scope": self.out_of_scope,
        }


def determine_target_levels(
    guideline: Guideline,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    levels: Mapping[str, str] | None = None,
) -> LevelsResult:
    """Determine external levels from answers (and/or take given ones) and derive what they require.

    Parameters
    ----------
    guideline : Guideline
        The guideline (with a level matrix).
    answers : mapping, default=None
        Characteristic id → {question id → answer}.
    levels : mapping, default=None
        Levels set directly (characteristic id → label); they win over answers.

    Raises
    ------
    InputError
        For unknown characteristics, questions, answers or levels.
    """
    determined = determine_levels(guideline, answers or {})
    chosen = {cid: d.level.label for cid, d in determined.items()}
    targets = resolve_targets(guideline, dict(levels or {}), strict=True)
    chosen.update({cid: lv.label for cid, lv in targets.items()})
    order = [c.id for c in guideline.external]
    chosen = {cid: chosen[cid] for cid in order if cid in chosen}
    return LevelsResult(
        guideline, chosen, determined, required_levels(guideline, chosen),
        required_requirements(guideline, chosen),
    )


def load_answers(path: str | Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Read an answers file (YAML or JSON).

    The file maps characteristic ids to their answers, optionally under
    ``answers:``, and may set levels directly under ``levels:``::

        answers:
          AISL: {human_severity: minor, human_avoidability: supervision,
                 economic_severity: none, economic_avoidability: supervision}
          AIFL: {fair_treatment_required: no, personal_data_rights: no,
                 no_bias_requirement: yes, acceptance_risk: no}
        levels: {AIPL: "1"}

    Returns
    -------
    (answers, levels)
    """
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no answers file at {p}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read answers file {p}: {exc}") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise InputError(f"{p}: the answers file must be a mapping of characteristic id to answers")
    unknown = sorted(set(data) - {"answers", "levels", "guideline"})
    has_sections = "answers" in data or "levels" in data
    answers = data.get("answers", {}) if has_sections else data
    levels = data.get("levels", {}) if has_sections else {}
    if has_sections and unknown:
        raise InputError(f"{p}: unknown key {unknown[0]!r}; use 'answers', 'levels' and 'guideline'")
    if not isinstance(answers, dict) or not all(isinstance(v, dict) for v in answers.values()):
        raise InputError(f"{p}: 'answers' must map each characteristic id to a mapping of "
                         "question id to answer")
    if not isinstance(levels, dict):
        raise InputError(f"{p}: 'levels' must map characteristic ids to levels")
    return ({str(k): dict(v) for k, v in answers.items()},
            {str(k): str(v) for k, v in levels.items()})


def parse_answer_flags(values: Sequence[str]) -> dict[str, dict[str, str]]:
    """``["AISL.human_severity=minor", …]`` → ``{"AISL": {"human_severity": "minor"}}``.

    Examples
    --------
    >>> parse_answer_flags(["AISL.human_severity=minor", "AIFL.acceptance_risk=yes"])
    {'AISL': {'human_severity': 'minor'}, 'AIFL': {'acceptance_risk': 'yes'}}
    """
    out: dict[str, dict[str, str]] = {}
    for v in values:
        key, sep, answer = v.partition("=")
        cid, dot, qid = key.partition(".")
        if not sep or not dot or not cid or not qid:
            raise InputError(f"--answer {v!r}: write CHARACTERISTIC.QUESTION=ANSWER, e.g. "
                             "AISL.human_severity=minor")
        out.setdefault(cid.strip(), {})[qid.strip()] = answer.strip()
    return out


def parse_level_flags(values: Sequence[str]) -> dict[str, str]:
    """``["AISL=0.2", "AIPL=1"]`` → ``{"AISL": "0.2", "AIPL": "1"}``."""
    out: dict[str, str] = {}
    for v in values:
        cid, sep, level = v.partition("=")
        if not sep or not cid.strip() or not level.strip():
            raise InputError(f"--level {v!r}: write CHARACTERISTIC=LEVEL, e.g. AISL=0.2")
        out[cid.strip()] = level.strip()
    return out


# ---------------------------------------------------------------------------- writing aiqm.yaml


def _flow(levels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in levels.items()) + "}"


def _last_end(node: yaml.Node) -> int:
    """Index just after the last scalar of a node (so trailing comments stay in place)."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1])
    return node.end_mark.index


def set_levels_text(text: str, levels: Mapping[str, str]) -> str:
    """``aiqm.yaml`` text with ``component.levels`` replaced (or added); the rest is kept as is.

    Examples
    --------
    >>> print(set_levels_text("component:\\n  name: x  # the name\\n  task: other\\n", {"AISL": "0.1"}))
    component:
      name: x  # the name
      task: other
      levels: {AISL: "0.1"}
    <BLANKLINE>
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    component = None
    if isinstance(root, yaml.MappingNode):
        component = next((v for k, v in root.value if k.value == "component"), None)
    if not isinstance(component, yaml.MappingNode) or not component.value:
        raise InputError("aiqm.yaml has no 'component' mapping to write the levels into")
    new = _flow(levels)
    for key, value in component.value:
        if key.value == "levels":
            return text[: key.end_mark.index] + ": " + new + text[_last_end(value):]
    if component.flow_style:
        end = component.end_mark.index - 1  # before the closing brace
        return text[:end] + f", levels: {new}" + text[end:]
    indent = component.value[0][0].start_mark.column
    end = _last_end(component.value[-1][1])
    line_end = text.find("\n", end)
    if line_end == -1:
        return text + "\n" + " " * indent + f"levels: {new}\n"
    return text[: line_end + 1] + " " * indent + f"levels: {new}\n" + text[line_end + 1:]


def write_levels(project_dir: str | Path, levels: Mapping[str, str]) -> Path:
    """Write ``component.levels`` into a project's ``aiqm.yaml``, keeping everything else.

    Raises
    ------
    InputError
        When there is no project file, or the result would not validate.
    """
    p = Path(project_dir)
    file = p / PROJECT_FILE if p.is_dir() else p
    if not file.is_file():
        raise InputError(f"no project file at {file}; run `aiqm init` first, or pass -C <project>")
    text = file.read_text(encoding="utf-8")
    new = set_levels_text(text, levels)
    parse_project(new, source=str(file))  # never write a file that no longer validates
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(file)
    return file
