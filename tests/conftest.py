"""Test-wide settings: in-process and subprocess dlvc-enc and dlvc-dec runs use Numba and never
build the ahead-of-time libraries (dlvc/aot.py), except where a test asks for it, so that
every run codes through the code under test and no test pays for a build."""
import os

os.environ.setdefault("DLVC_AOT", "0")
