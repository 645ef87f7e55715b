"""Errors of the evaluation tool: user-facing, one line, naming the culprit."""
try:  # the project-wide base class (dlvc/errors.py); fall back while it is being written
    from dlvc.errors import DlvcError
except ImportError:  # pragma: no cover
    class DlvcError(Exception):
        """Base class of dlvc's user-facing errors."""


class EvalError(DlvcError):
    """A sweep cannot give a trustworthy answer (bad input, failed run, too few RD points)."""
