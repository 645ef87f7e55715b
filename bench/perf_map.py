#!/usr/bin/env python3
"""Profile dlvc's compiled code with Linux perf: names for Numba's JIT functions.

perf cannot name machine code that Numba made at run time; it reads /tmp/perf-PID.map for
such code.  This runs dlvc-enc (or dlvc-dec) in-process and, at exit, writes that map from
every compiled dlvc function (each overload's linked module, callees included).

    perf record -F 999 -o perf.data -- python bench/perf_map.py enc -c cfg/intra.cfg -i seq.yuv ...
    perf report -i perf.data --no-children --sort sym | head -40
"""
import atexit
import os
import re
import struct
import sys


def _dispatchers():
    from numba.core.dispatcher import Dispatcher
    seen = set()
    for name, mod in list(sys.modules.items()):
        if not name.startswith("dlvc") or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, Dispatcher) and id(obj) not in seen:
                seen.add(id(obj))
                yield obj


def _short(symbol):
    """'dlvc.encoder.intra_search.luma_rqt' from a Numba-mangled name (_ZN4dlvc7encoder...)."""
    names, k = [], symbol.find("_ZN") + 3
    while 2 < k < len(symbol) and symbol[k].isdigit():
        m = re.match(r"\d+", symbol[k:])
        n = int(m.group())
        k += len(m.group())
        names.append(symbol[k:k + n])
        k += n
    return ".".join(names).replace("_3a", "").split("$")[0] or symbol


def _elf_functions(obj):
    """(name, size) of the functions an ELF64 little-endian object defines."""
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    out = []
    for sh in sections:
        if sh[1] != 2:                                   # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 24):
            st_name, st_info, _, st_shndx, _, st_size = struct.unpack_from("<IBBHQQ", obj, off)
            if st_info & 0xF == 2 and st_shndx != 0:     # STT_FUNC, defined
                start = strtab[4] + st_name
                out.append((obj[start:obj.index(b"\0", start)].decode(), st_size))
    return out


def write_map():
    entries = {}
    for disp in _dispatchers():
        for cres in disp.overloads.values():
            lib = cres.library
            obj = getattr(lib, "_perf_object", None)
            if obj is None:
                continue
            functions = _elf_functions(obj)
            for name, size in functions:
                try:
                    addr = lib.get_pointer_to_function(name)
                except Exception:
                    continue
                if addr and size:
                    entries[addr] = (size, _short(name))
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as f:
        for a in sorted(entries):
            f.write(f"{a:x} {entries[a][0]:x} {entries[a][1]}\n")


def _keep_object_code():
    """Numba hands a library's object code to LLVM and drops it; keep a copy for the map."""
    from numba.core.codegen import CPUCodeLibrary
    original = CPUCodeLibrary._set_compiled_object

    def keep(self, value):
        self._perf_object = bytes(value)
        original(self, value)
    CPUCodeLibrary._set_compiled_object = keep


def main():
    tool, args = sys.argv[1], sys.argv[2:]
    _keep_object_code()
    atexit.register(write_map)
    sys.argv = [f"dlvc-{tool}"] + args
    if tool == "enc":
        from dlvc.cli.enc import main as run
    else:
        from dlvc.cli.dec import main as run
    try:
        run()
    except SystemExit:
        pass


if __name__ == "__main__":
    main()
