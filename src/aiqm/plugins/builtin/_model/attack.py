"""Black-box evasion attacks on tabular classifiers through the Adversarial Robustness Toolbox.

The attack moves a row's numeric features (standardised: centred on the
dataset mean and divided by the standard deviation, so one unit is one
standard deviation of every feature) while its other features stay as they
are, and asks only the model's outputs (decision-based: HopSkipJump or
Boundary attack). Each row gets its own query budget: once it is spent, the
oracle answers "original class" without calling the model, so the attack
cannot find anything new and ends. The final candidate is checked with one
more real call. The attack starts from the closest of a few seeded random
points that the model labels differently (ART's own starting point comes from
an unseeded generator), so a fixed seed gives a fixed result.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

    from aiqm.plugins.builtin._model.frames import Predictor

__all__ = ["AttackResult", "RowAttack", "import_art"]

#: Random points drawn in the data's range to find a first adversarial starting point.
_INIT_SIZE = 50


def import_art() -> Any:
    """Import ART's attacks and black-box estimator, quietly.

    Raises
    ------
    ImportError
        Naming the extra to install.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ART warns about optional deep-learning backends
            logging.getLogger("art").setLevel(logging.ERROR)
            # lazy: ART is the optional extra aiqm[robustness] and slow to import
            from art.attacks.evasion import BoundaryAttack, HopSkipJump
            from art.estimators.classification import BlackBoxClassifier
    except ImportError as exc:
        raise ImportError(
            "adversarial_robustness needs the Adversarial Robustness Toolbox; install it with: "
            "pip install 'aiqm[robustness]'"
        ) from exc
    return HopSkipJump, BoundaryAttack, BlackBoxClassifier


@dataclass
class AttackResult:
    """The outcome of attacking one row."""

    row: int
    label: Any
    found: bool
    distance: float
    queries: int
    capped: bool


class RowAttack:
    """Attack rows of a table one by one in the standardised numeric subspace.

    Parameters
    ----------
    predictor : Predictor
        The model (with classes).
    table : pyarrow.Table
        Feature rows.
    numeric : list of str
        The attacked columns.
    mean, std : numpy.ndarray
        Standardisation of the attacked columns.
    low, high : numpy.ndarray
        Bounds of the attacked columns in standardised units (the data's range).
    """

    def __init__(
        self, predictor: Predictor, table: pa.Table, numeric: list[str], mean: np.ndarray,
        std: np.ndarray, low: np.ndarray, high: np.ndarray,
    ) -> None:
        self.predictor = predictor
        self.table = table
        self.numeric = numeric
        self.mean, self.std = mean, std
        self.low, self.high = low, high
        self.classes = np.asarray(predictor.classes)
        self._positions = [table.column_names.index(c) for c in numeric]
        self._row: tuple[int, pa.Table] | None = None

    def standardised(self, i: int) -> np.ndarray:
        """Row ``i``'s attacked features in standardised units."""
        raw = np.array([self.table.column(c)[i].as_py() for c in self.numeric], dtype=np.float64)
        return (raw - self.mean) / self.std

    def _frame(self, i: int, z: np.ndarray) -> pa.Table:
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow as pa

        if self._row is None or self._row[0] != i:
            self._row = (i, self.table.slice(i, 1).combine_chunks())  # not a take on all rows
        rows = self._row[1].take(pa.array(np.zeros(len(z), dtype=np.int64)))
        values = z * self.std + self.mean
        for j, (pos, name) in enumerate(zip(self._positions, self.numeric, strict=True)):
            field = rows.schema.field(pos)
            column = pa.array(values[:, j])
            if pa.types.is_integer(field.type):
                column = pa.array(np.rint(values[:, j]).astype(np.int64)).cast(field.type)
            elif field.type != pa.float64():
                column = column.cast(field.type)
            rows = rows.set_column(pos, name, column)
        return rows

    def _onehot(self, labels: np.ndarray) -> np.ndarray:
        out = np.zeros((len(labels), len(self.classes)))
        text = [str(c) for c in self.classes.tolist()]
        for r, label in enumerate(labels.tolist()):
            out[r, text.index(str(label))] = 1.0
        return out

    def label(self, i: int, z: np.ndarray) -> Any:
        """The model's label for row ``i`` with attacked features ``z`` (one real call)."""
        return self.predictor.predict(self._frame(i, z.reshape(1, -1)))[0]

    def attack(
        self, i: int, *, method: str, norm: float, max_iter: int, max_queries: int, seed: int,
    ) -> AttackResult:
        """Attack row ``i``; ``seed`` fixes ART's random draws."""
        HopSkipJump, BoundaryAttack, BlackBoxClassifier = import_art()
        x0 = self.standardised(i)
        original = self.label(i, x0)
        origin = self._onehot(np.array([original]))[0]
        used = [0]

        def oracle(z: np.ndarray) -> np.ndarray:
            z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
            allowed = max(0, max_queries - used[0])
            out = np.tile(origin, (len(z), 1))
            if allowed:
                take = min(allowed, len(z))
                used[0] += take
                out[:take] = self._onehot(np.asarray(self.predictor.predict(
                    self._frame(i, z[:take]))))
            return out

        clf = BlackBoxClassifier(oracle, input_shape=(len(x0),), nb_classes=len(self.classes),
                                 clip_values=(self.low, self.high))
        if method == "boundary":
            attack = BoundaryAttack(clf, targeted=False, max_iter=max_iter, num_trial=10,
                                    sample_size=10, verbose=False)
        else:
            attack = HopSkipJump(clf, targeted=False, norm=norm, max_iter=max_iter,
                                 max_eval=min(100, max(10, max_queries // (4 * (max_iter + 1)))),
                                 init_eval=10, verbose=False)
        # ART draws its starting point from an unseeded generator; start from our own,
        # seeded one instead: the closest of `_INIT_SIZE` random points that is adversarial
        rng = np.random.default_rng(seed)
        candidates = rng.uniform(self.low, self.high, size=(_INIT_SIZE, len(x0)))
        flipped = oracle(candidates).argmax(axis=1) != origin.argmax()
        if not flipped.any():
            return AttackResult(i, original, False, float("nan"), used[0], used[0] >= max_queries)
        start = candidates[flipped][np.argmin(np.linalg.norm(candidates[flipped] - x0, ord=norm,
                                                             axis=1))]
        state = np.random.get_state()
        np.random.seed(seed)  # the rest of ART's draws come from numpy's global generator
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x_adv = attack.generate(x=x0.reshape(1, -1).astype(np.float64),
                                        x_adv_init=start.reshape(1, -1))[0]
        finally:
            np.random.set_state(state)
        found = bool(np.all(np.isfinite(x_adv))) and str(self.label(i, x_adv)) != str(original)
        distance = float(np.linalg.norm(x_adv - x0, ord=norm)) if found else float("nan")
        return AttackResult(i, original, found, distance, used[0], used[0] >= max_queries)
