"""Adapter for a black-box model behind an HTTP endpoint that answers JSON.

The inventory (``kind: http``) says where the endpoint is, how a batch of rows
is written into the request (a JSON template with placeholders), where the
labels and probabilities are in the response, and how patient to be: a
timeout per request, retries with exponential backoff on timeouts, connection
errors, 429 and 5xx answers, a maximum batch size and a maximum request rate.

Every failure becomes an :class:`EndpointError` (an ``AITFailure``, so the
test is ``ERR``) naming the endpoint, the batch and the cause — a timeout, a
5xx after the retries, a body that is not JSON, a missing field, or a wrong
number of outputs. A request never waits longer than ``timeout`` for its whole
answer, so a slow endpoint cannot hang a run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiqm.core.inventory import HttpModelInventory
from aiqm.exceptions import AITFailure, InventoryError
from aiqm.models.base import ModelAdapter

if TYPE_CHECKING:
    import httpx
    import numpy as np

    from aiqm.data.dataset import Dataset

__all__ = ["EndpointError", "HttpAdapter", "TokenBucket", "fill_template", "http_digest",
           "resolve_path"]

#: A response larger than this is refused (a runaway endpoint must not exhaust memory).
MAX_RESPONSE_BYTES = 64 * 2**20
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_RETRY_STATUS = {429, 500, 502, 503, 504}
#: Configuration keys that do not change what the endpoint answers (left out of the digest).
_NOT_IN_DIGEST = ("description", "digest", "kind", "inventory")


class EndpointError(AITFailure):
    """The model endpoint failed, timed out, or answered something unusable."""


def http_digest(config: Mapping[str, Any]) -> str:
    """The digest of an endpoint: SHA-256 of its canonical JSON configuration.

    Header values are hashed as written in the project file, i.e. with
    ``${ENV_VAR}`` references and never with the secrets they expand to.

    Examples
    --------
    >>> http_digest({"url": "http://a/p"}) == http_digest({"url": "http://a/p", "description": "x"})
    True
    """
    kept = {k: v for k, v in config.items() if k not in _NOT_IN_DIGEST}
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def expand_env(value: str, *, inventory: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace ``${NAME}`` by the environment variable's value.

    Raises
    ------
    InventoryError
        If a referenced variable is not set.
    """
    env = os.environ if environ is None else environ

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            raise InventoryError(
                f"model '{inventory}': environment variable {name} (used in its headers) is "
                f"not set; export it before running, e.g. `export {name}=…`"
            )
        return env[name]

    return _ENV_REF.sub(sub, value)


def fill_template(template: Any, rows: list[Any], columns: list[str]) -> Any:
    """Replace the placeholders of a request template.

    Only JSON strings equal to a placeholder are replaced, so the structure of
    the request keeps its types: ``"$rows"`` becomes the rows, ``"$columns"``
    the feature names and ``"$n"`` the number of rows (an integer).

    Examples
    --------
    >>> fill_template({"inputs": "$rows", "n": "$n"}, [[1, 2]], ["a", "b"])
    {'inputs': [[1, 2]], 'n': 1}
    """
    if isinstance(template, str):
        return {"$rows": rows, "$columns": columns, "$n": len(rows)}.get(template, template)
    if isinstance(template, dict):
        return {k: fill_template(v, rows, columns) for k, v in template.items()}
    if isinstance(template, list):
        return [fill_template(v, rows, columns) for v in template]
    return template


def resolve_path(body: Any, path: str) -> Any:
    """Follow a dotted path (keys and list indices) into a decoded JSON body.

    Raises
    ------
    KeyError
        Naming the first step that does not exist.

    Examples
    --------
    >>> resolve_path({"out": [{"p": [1]}]}, "out.0.p")
    [1]
    """
    node = body
    walked: list[str] = []
    for step in [s for s in path.split(".") if s]:
        if isinstance(node, list) and re.fullmatch(r"-?\d+", step) and -len(node) <= int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            where = ".".join(walked) or "the response body"
            have = (f"keys: {', '.join(list(map(str, node))[:10])}" if isinstance(node, dict)
                    else f"a {type(node).__name__}")
            raise KeyError(f"{where} has no {step!r} ({have})")
        walked.append(step)
    return node


class TokenBucket:
    """Allow at most ``rate`` acquisitions per second, ``capacity`` at once.

    Parameters
    ----------
    rate : float
        Tokens added per second.
    capacity : float, default=1.0
        Largest burst.
    clock, sleep : callable, default=time.monotonic, time.sleep
        Injectable for tests.
    """

    def __init__(
        self, rate: float, capacity: float = 1.0, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; return the seconds slept."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        waited = 0.0
        if self._tokens < 1.0:
            waited = (1.0 - self._tokens) / self.rate
            self._sleep(waited)
            self._tokens = 1.0
            self._last = self._clock()
        self._tokens -= 1.0
        return waited


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


class HttpAdapter(ModelAdapter):
    """Predict with a model endpoint (see the module docstring).

    Parameters
    ----------
    config : mapping
        The inventory's fields (``url``, ``request``, ``response`` …) as in the
        project file, headers still holding ``${ENV_VAR}`` references.
    inventory : str
        The inventory name.
    digest : str, default=None
        The configuration digest (computed when omitted).
    transport : httpx.BaseTransport, default=None
        For tests (e.g. ``httpx.MockTransport``).
    sleep : callable, default=time.sleep
        Used for backoff and rate limiting; injectable for tests.
    """

    kind = "http"

    def __init__(
        self, config: Mapping[str, Any], *, inventory: str, digest: str | None = None,
        transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        try:
            self.config = HttpModelInventory.model_validate(
                {"kind": "http", **{k: v for k, v in config.items()
                                    if k not in ("kind", "inventory", "digest")}})
        except ValueError as exc:
            raise InventoryError(f"model '{inventory}': invalid http inventory: {exc}") from exc
        self.inventory = inventory
        self.digest = digest or http_digest(self.config.model_dump(mode="json"))
        self._headers = {k: expand_env(v, inventory=inventory)
                         for k, v in self.config.headers.items()}
        self._transport = transport
        self._sleep = sleep
        rate = self.config.max_requests_per_second
        self._bucket = TokenBucket(rate, sleep=sleep) if rate else None
        self._client: httpx.Client | None = None
        self._memo: tuple[str, np.ndarray, np.ndarray | None] | None = None
        #: Requests sent (attempts included) and rows predicted, for reports and tests.
        self.requests = 0
        self.rows = 0

    # -- ModelAdapter -------------------------------------------------------------------

    @property
    def has_proba(self) -> bool:
        """Whether the response holds probabilities."""
        return self.config.response.probabilities is not None

    @property
    def classes_(self) -> np.ndarray | None:
        """The declared classes (None for a regressor)."""
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        return np.asarray(list(self.config.classes)) if self.config.classes else None

    def predict(self, ds: Dataset) -> np.ndarray:
        """Labels (or values) of every row, from the endpoint."""
        return self._run(ds)[0]

    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Probabilities ``(n_rows, n_classes)`` in ``classes`` order, or None."""
        return self._run(ds)[1] if self.has_proba else None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- requests -----------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        try:
            import httpx  # lazy: optional 'http' extra
        except ImportError as exc:
            raise ImportError(
                "http model inventories need httpx; install it with: pip install 'aiqm[http]'"
            ) from exc

        if self._client is None:
            t = self.config.timeout
            self._client = httpx.Client(
                timeout=httpx.Timeout(t, connect=min(t, 10.0)), headers=self._headers,
                transport=self._transport, trust_env=False, follow_redirects=False,
            )
        return self._client

    def _run(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        if self._memo is not None and self._memo[0] == ds.digest:
            return self._memo[1], self._memo[2]
        features = list(ds.features)
        ds.require_columns(*features)
        table = ds.table.select(features)
        labels: list[Any] = []
        probas: list[list[float]] = []
        size = self.config.max_batch_size
        for start in range(0, table.num_rows, size):
            batch = table.slice(start, size)
            if self.config.rows == "records":
                rows: list[Any] = [{k: _json_value(v) for k, v in r.items()}
                                   for r in batch.to_pylist()]
            else:
                cols = [batch.column(c).to_pylist() for c in features]
                rows = [[_json_value(v) for v in r] for r in zip(*cols, strict=True)]
            body = self._post(fill_template(self.config.request, rows, features), start, len(rows))
            got_labels, got_proba = self._outputs(body, start, len(rows))
            labels.extend(got_labels)
            if got_proba is not None:
                probas.extend(got_proba)
            self.rows += len(rows)
        proba = np.asarray(probas, dtype=np.float64).reshape(len(labels), -1) \
            if self.has_proba else None
        out = (np.asarray(labels), proba)
        self._memo = (ds.digest, out[0], out[1])
        return out

    def _where(self, start: int, n: int) -> str:
        return f"model endpoint '{self.inventory}' ({self.config.url}), rows {start}–{start + n - 1}"

    def _post(self, payload: Any, start: int, n: int) -> Any:
        import httpx  # lazy: optional 'http' extra

        data = json.dumps(payload, allow_nan=False).encode()
        attempts = self.config.retries + 1
        last = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.config.backoff * 2 ** (attempt - 1))
            if self._bucket is not None:
                self._bucket.acquire()
            self.requests += 1
            try:
                status, content = self._send(data)
            except httpx.TimeoutException:
                last = f"no complete answer within the timeout of {self.config.timeout:g} s"
                continue
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
                continue
            if status in _RETRY_STATUS:
                last = f"HTTP {status}: {_excerpt(content)}"
                continue
            if status >= 300:
                raise EndpointError(
                    f"{self._where(start, n)}: HTTP {status}: {_excerpt(content)}; check the "
                    "url, the request template and the headers")
            try:
                return json.loads(content)
            except ValueError as exc:
                raise EndpointError(
                    f"{self._where(start, n)}: the response is not JSON ({exc}): "
                    f"{_excerpt(content)}") from None
        raise EndpointError(f"{self._where(start, n)}: gave up after {attempts} attempt(s); "
                            f"last error: {last}")

    def _send(self, data: bytes) -> tuple[int, bytes]:
        """One request; the whole answer must arrive within the timeout."""
        import httpx  # lazy: optional 'http' extra

        deadline = time.monotonic() + self.config.timeout
        with self._http().stream(self.config.method, self.config.url, content=data,
                                 headers={"content-type": "application/json"}) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise EndpointError(
                        f"model endpoint '{self.inventory}' sent more than "
                        f"{MAX_RESPONSE_BYTES // 2**20} MiB; lower max_batch_size")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("answer too slow")
            return response.status_code, b"".join(chunks)

    def _outputs(self, body: Any, start: int, n: int) -> tuple[list[Any], list[list[float]] | None]:
        fields = self.config.response
        where = self._where(start, n)
        proba: list[list[float]] | None = None
        if fields.probabilities is not None:
            raw = self._field(body, fields.probabilities, "probabilities", where, n)
            proba = [self._proba_row(r, where) for r in raw]
        if fields.labels is not None:
            labels = self._field(body, fields.labels, "labels", where, n)
            bad = [v for v in labels if isinstance(v, dict | list)]
            if bad:
                raise EndpointError(f"{where}: field {fields.labels!r} must hold one label or "
                                    f"value per row; got {bad[0]!r}")
        else:
            classes = list(self.config.classes)
            labels = [classes[max(range(len(r)), key=r.__getitem__)] for r in proba or []]
        return labels, proba

    def _field(self, body: Any, path: str, what: str, where: str, n: int) -> list[Any]:
        try:
            value = resolve_path(body, path)
        except KeyError as exc:
            raise EndpointError(f"{where}: the response has no {what} at {path!r}: "
                                f"{exc.args[0]}; fix `response.{what}`") from None
        if not isinstance(value, list):
            raise EndpointError(f"{where}: {what} at {path!r} must be a list with one entry per "
                                f"row; got a {type(value).__name__}")
        if len(value) != n:
            raise EndpointError(f"{where}: the endpoint returned {len(value)} {what} for {n} "
                                "rows; it must answer one per row, in order")
        return value

    def _proba_row(self, row: Any, where: str) -> list[float]:
        classes = list(self.config.classes)
        if isinstance(row, dict):
            try:
                row = [row[str(c)] if str(c) in row else row[c] for c in classes]
            except KeyError as exc:
                raise EndpointError(f"{where}: a probability object lacks class {exc}; its keys "
                                    f"must be the declared classes {classes}") from None
        if not isinstance(row, list) or len(row) != len(classes) or not all(
                isinstance(p, int | float) and not isinstance(p, bool) for p in row):
            raise EndpointError(f"{where}: each row's probabilities must be {len(classes)} "
                                f"numbers (one per declared class); got {row!r}")
        return [float(p) for p in row]


def _excerpt(content: bytes, limit: int = 200) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    return repr(text[:limit] + ("…" if len(text) > limit else ""))
