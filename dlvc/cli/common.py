"""What every console script shares: error reporting and atomic output files.

``run_main(fn, argv)`` runs a script's body and turns user errors into one line
on stderr and a non-zero exit status (Principle 9):

    def main(argv=None):
        run_main(_main, argv)          # _main(argv) -> int | None

``exit_when_done(main)`` is the console scripts' entry: it skips the interpreter's
teardown once a run has finished and flushed its output.

``atomic_output(path)`` gives a temporary path in the destination's folder; the
file is renamed to ``path`` only when the block ends without an exception and is
deleted otherwise, so a failed run never leaves a partial output behind (and an
older file at ``path`` stays as it was).
"""
import contextlib
import os
import sys
import tempfile

from dlvc.errors import DlvcError

EXIT_ERROR = 1          # DlvcError, OSError
EXIT_INTERRUPTED = 130  # KeyboardInterrupt, as a shell reports SIGINT


def _one_line(text):
    return " ".join(str(text).split())


def _oserror_message(e):
    name = e.filename if e.filename is not None else None
    reason = e.strerror or _one_line(e) or type(e).__name__
    if name is not None and e.filename2 is not None:
        return f"{name} -> {e.filename2}: {reason}"
    if name is not None:
        return f"{name}: {reason}"
    return reason


def run_main(fn, argv=None, prog=None):
    """Call ``fn(argv)`` and exit with its status (None means 0).

    DlvcError, OSError (missing or unreadable files, full disk) and
    KeyboardInterrupt become ``<prog>: error: <one line>`` on stderr and a
    non-zero exit status, with no traceback.  SystemExit (``--help``, argparse)
    passes through unchanged; any other exception is a bug and keeps its traceback.
    Always raises SystemExit.
    """
    if prog is None:
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "dlvc"
    if argv is None:
        argv = sys.argv[1:]
    try:
        status = fn(argv)
    except DlvcError as e:
        _report(prog, _one_line(e) or "failed")
        status = EXIT_ERROR
    except BrokenPipeError:
        # stdout closed early (e.g. `dlvc-eval ... | head`): not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stderr.flush()
        status = EXIT_ERROR
    except OSError as e:
        _report(prog, _oserror_message(e))
        status = EXIT_ERROR
    except KeyboardInterrupt:
        _report(prog, "interrupted")
        status = EXIT_INTERRUPTED
    raise SystemExit(0 if status is None else status)


def exit_when_done(main):
    """A console script's entry: ``main()`` (which ends in SystemExit), then stdout and stderr
    flushed and the process left with ``os._exit``.  The interpreter's teardown (freeing every
    module, object and thread state: 30-40 ms after an encode, a tenth of a short clip's
    start-up and exit) does nothing a finished run needs: its output files are closed and
    renamed already.  Any other exception (a bug) leaves the usual way, with its traceback."""
    try:
        main()
        status = 0
    except SystemExit as e:
        status = e.code
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = EXIT_ERROR
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def _report(prog, message):
    with contextlib.suppress(OSError):
        sys.stdout.flush()
    print(f"{prog}: error: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is deleted
    and the exception propagates.  If the body never creates or writes the
    temporary file, an empty file results.  ``path`` None or "" yields None and
    does nothing (an optional output that was not asked for).
    """
    if not path:
        yield None
        return
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".part", dir=folder)
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file 0600; give the result the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
