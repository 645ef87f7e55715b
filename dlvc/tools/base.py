"""The interface of a deep coding tool (DESIGN.md Principle 7).

A tool is a package in ``dlvc/tools/`` described by one ``ToolSpec`` in the registry
(``dlvc/tools/__init__.py``).  The spec is plain data and imports nothing heavy: the
tool's code (and torch) is imported only through ``ToolSpec.load()``, which the encoder
and decoder call only when the tool is switched on (cfg key) or a stream says it is on
(SPS extension).

* ``tool_id``: stable integer id written in the SPS extension (never reuse one).
* ``normative``: True when the decoder must run the tool (its output enters the decoded
  picture); such a tool is recorded in the SPS extension with the sha256 of its weights.
  Encoder-only tools (decisions) are never signalled.
* ``cfg_key``: the encoder option that switches the tool on; ``cfg_keys``: all its options.
* ``weights``: the shipped weights file, relative to the tool package; its sha256 is what
  the stream records, so a decoder refuses weights it does not hold.
"""
from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass, field

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))


def file_sha256(path: str) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


@dataclass(frozen=True)
class ToolSpec:
    name: str                  # package name under dlvc/tools, e.g. "cnnlf"
    tool_id: int               # stable id in the SPS extension
    title: str                 # one line for --help and the README
    normative: bool
    cfg_key: str               # the encoder key that switches it on
    cfg_keys: tuple = ()       # all of its encoder keys (cfg_key included)
    module: str = ""           # dotted module with the codec glue (imported lazily)
    weights: str = ""          # shipped weights file, relative to the package folder
    needs_torch: bool = False
    _hash_cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def package_dir(self) -> str:
        return os.path.join(TOOLS_DIR, self.name)

    def weights_path(self, override: str = "") -> str:
        return override or os.path.join(self.package_dir, self.weights)

    def weights_sha256(self, override: str = "") -> bytes:
        """sha256 of the weights file (the shipped one unless ``override``)."""
        path = self.weights_path(override)
        key = (path, os.path.getmtime(path))
        if key not in self._hash_cache:
            self._hash_cache[key] = file_sha256(path)
        return self._hash_cache[key]

    def enabled(self, cfg) -> bool:
        return bool(getattr(cfg, self.cfg_key, False)) if self.cfg_key in cfg else False

    def load(self):
        """The tool's codec module (imports torch when the tool needs it)."""
        return importlib.import_module(self.module)
