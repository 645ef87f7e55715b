"""Deep coding tools and their registry (DESIGN.md Principle 7; see base.py).

``REGISTRY`` maps each stable tool id to its ``ToolSpec``.  Nothing here imports a tool's
code or torch; ``ToolSpec.load()`` does, and only for a tool that is on.

| id | tool | normative | switched on by |
|----|------|-----------|----------------|
| 1  | cnnlf: CNN in-loop filter | yes | ``CNNLoopFilter : 1`` |

Ids 2.. are reserved for the tools to come (block-adaptive resolution coding, CNN
interpolation, CNN fast CU decisions); an id is never reused.
"""
from .base import ToolSpec

CNNLF = ToolSpec(
    name="cnnlf", tool_id=1, title="CNN in-loop filter", normative=True,
    cfg_key="CNNLoopFilter", cfg_keys=("CNNLoopFilter", "CNNLFSlot", "CNNLFEnsemble", "CNNLFQpSearch", "CNNLFWeights",
                                         "CNNLFThreads"),
    module="dlvc.tools.cnnlf.codec", weights="weights/cnnlf.npz", needs_torch=True)

REGISTRY = {t.tool_id: t for t in (CNNLF,)}
BY_NAME = {t.name: t for t in REGISTRY.values()}


def enabled_tools(cfg):
    """The registered tools switched on in an encoder configuration, in id order."""
    return [t for _, t in sorted(REGISTRY.items()) if t.enabled(cfg)]
