"""The one exception type for user errors.

A ``DlvcError`` means the user gave something dlvc cannot use: a bad input file,
a bad cfg key or value, a corrupt bitstream.  Its message is a single line that
names the culprit (file, key, value); the console scripts print it as
``<prog>: error: <message>`` and exit non-zero, without a traceback
(see ``dlvc.cli.common.run_main``).  Programming errors stay ordinary exceptions.
"""


class DlvcError(Exception):
    """A user error (bad input, bad cfg, corrupt stream); the message is one line."""

    def __init__(self, message=""):
        # Keep the promise of one line whatever the caller passed.
        super().__init__(" ".join(str(message).split()))
