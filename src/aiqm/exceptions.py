"""Every error aiqm raises on purpose.

The tree::

    AIQMError                          base of everything below
    ├── InputError                     bad user input; the CLI exits with code 2
    │   ├── ProjectFileError           aiqm.yaml cannot be read or does not validate
    │   ├── InvalidParameterError      (also ValueError) a TD parameter breaks its constraint
    │   ├── InvalidValueError          (also ValueError) an option or argument is not allowed
    │   ├── UnknownAITError            a TD names an AIT that is not installed
    │   ├── InventoryError             an inventory is missing, unreadable or not allowed
    │   │   ├── UnsafePathError        a path leaves the project folder
    │   │   ├── DigestMismatchError    an input changed since it was registered
    │   │   └── UntrustedModelError    a model file would execute code and is not trusted
    │   ├── DataError                  a dataset cannot be used (empty, column missing …)
    │   ├── ManifestError              an AIT manifest is invalid
    │   ├── GuidelineError             a guideline file does not validate (entry paths listed)
    │   └── PDFUnavailableError        the pdf extra or its system libraries are missing
    ├── StoreError                     the run store cannot be read or written
    └── AITFailure                     an AIT failed at run time (becomes the TD's ERR)

Every message says what is wrong and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AIQMError",
    "AITFailure",
    "DataError",
    "DigestMismatchError",
    "GuidelineError",
    "InputError",
    "InvalidParameterError",
    "InvalidValueError",
    "InventoryError",
    "ManifestError",
    "PDFUnavailableError",
    "ProjectFileError",
    "StoreError",
    "UnknownAITError",
    "UnsafePathError",
    "UntrustedModelError",
]


class AIQMError(Exception):
    """Base class of all errors raised by aiqm on purpose.

    Examples
    --------
    >>> from aiqm import load_project
    >>> try:
    ...     load_project("no-such-folder")
    ... except AIQMError as exc:
    ...     print(type(exc).__name__)
    ProjectFileError
    """


class InputError(AIQMError):
    """The user's input is wrong; the CLI reports it and exits with code 2.

    Examples
    --------
    >>> from aiqm.core.project import parse_project
    >>> try:
    ...     parse_project("component: {name: demo, task: guessing}")
    ... except InputError as exc:
    ...     print(str(exc).splitlines()[0])
    aiqm.yaml does not validate:
    """


class ProjectFileError(InputError):
    """The project file cannot be parsed or does not validate.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    problems : list of str, default=None
        One line per problem (file, line, field, value, what is allowed).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )
        super().__init__(full)


class InvalidParameterError(InputError, ValueError):
    """A parameter value breaks the constraint declared in the AIT manifest.

    It is also a :class:`ValueError`, so code that validates values the usual
    way catches it.

    Examples
    --------
    >>> try:
    ...     raise InvalidParameterError(
    ...         "The 'threshold' parameter of AIT 'data_drift' must be a float in the range "
    ...         "[0, 1]. Got 1.5 instead.")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, isinstance(exc, InputError))
    InvalidParameterError True
    """


class InvalidValueError(InputError, ValueError):
    """An option or argument has a value aiqm does not accept (an unknown executor, a limit < 1 …)."""


class UnknownAITError(InputError, LookupError):
    """A test description names an AIT (or version) that is not installed."""


class ManifestError(InputError):
    """An AIT manifest does not validate."""


class GuidelineError(InputError):
    """A guideline file does not validate.

    Parameters
    ----------
    message : str
        What is wrong.
    problems : list of str, default=None
        One line per problem, each starting with the entry path
        (``internal[3].levels[1].requirements[0]: …``).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )
        super().__init__(full)


class PDFUnavailableError(InputError):
    """WeasyPrint (the ``pdf`` extra) or the system libraries it needs are missing."""


class InventoryError(InputError):
    """An inventory is missing, unreadable or not allowed."""


class UnsafePathError(InventoryError):
    """A path resolves outside the project folder (``..`` or a symlink escape)."""


class DigestMismatchError(InventoryError):
    """An input's content changed since it was registered.

    Parameters
    ----------
    changes : list of tuple
        ``(inventory name, expected digest, actual digest)`` per changed input.
    """

    def __init__(self, message: str, changes: list[tuple[str, str, str]]) -> None:
        self.changes = changes
        super().__init__(message)


class UntrustedModelError(InventoryError):
    """Loading the model would run code that was not marked trusted."""


class DataError(InputError):
    """A dataset cannot be used as asked (empty, a column missing, wrong type …)."""


class StoreError(AIQMError):
    """The run store (database or artifact store) cannot be read or written."""


class AITFailure(AIQMError):
    """An AIT failed while running; the test description's result is ``ERR``."""
