"""Test-wide settings: in-process and subprocess dlvc-dec runs use Numba and never build the
ahead-of-time decoder library (dlvc/decoder/aot.py), except where a test asks for it, so
that every run decodes through the code under test and no test pays for a build."""
import os

os.environ.setdefault("DLVC_AOT", "0")
