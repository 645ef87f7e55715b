"""Sequence discovery: manifests, file names, .y4m, and the bad inputs that must be refused."""
import hashlib
import os

import numpy as np
import pytest

from dlvc.eval import sequences
from dlvc.eval.errors import EvalError
from dlvc.eval.testclip import write_clip


def manifest(folder, rows):
    with open(os.path.join(folder, "manifest.csv"), "w") as f:
        f.write("name,file,width,height,fps,frames,md5\n")
        for r in rows:
            f.write(",".join(map(str, r)) + "\n")


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_manifest_folder_and_extra_yuv_dir(tmp_path):
    man, data = tmp_path / "man", tmp_path / "data"
    man.mkdir()
    p = write_clip(str(data), "Clip", 96, 64, 25, 4)
    manifest(str(man), [("Clip", os.path.basename(p), 96, 64, 25, 4, md5(p))])
    (s,) = sequences.discover([str(man)], yuv_dirs=[str(data)])
    assert (s.name, s.width, s.height, s.fps, s.frames, s.path) == ("Clip", 96, 64, 25, 4, p)


def test_missing_sequence_file_is_named(tmp_path):
    manifest(str(tmp_path), [("Clip", "Clip_96x64_25.yuv", 96, 64, 25, 4, "")])
    with pytest.raises(EvalError, match=r"manifest.csv line 2: sequence file Clip_96x64_25.yuv not found"):
        sequences.discover([str(tmp_path)])
    with pytest.raises(EvalError, match="no such file or folder"):
        sequences.discover([str(tmp_path / "nope.yuv")])


def test_manifest_size_mismatch_is_named(tmp_path):
    p = write_clip(str(tmp_path), "Clip", 96, 64, 25, 3)
    manifest(str(tmp_path), [("Clip", os.path.basename(p), 96, 64, 25, 4, "")])
    with pytest.raises(EvalError, match=r"entry Clip says 4 frames of 96x64 \(36864 bytes\) but .* has 27648 bytes"):
        sequences.discover([str(tmp_path)])


def test_manifest_md5_mismatch(tmp_path):
    p = write_clip(str(tmp_path), "Clip", 96, 64, 25, 3)
    manifest(str(tmp_path), [("Clip", os.path.basename(p), 96, 64, 25, 3, "0" * 32)])
    with pytest.raises(EvalError, match="manifest says 0000"):
        sequences.discover([str(tmp_path)])


def test_named_files_y4m_and_selection(tmp_path):
    a = write_clip(str(tmp_path), "A", 96, 64, 30, 3)
    write_clip(str(tmp_path), "B", 64, 48, 30, 2, seed=1, y4m=True)
    seqs = sequences.discover([str(tmp_path)])
    assert [(s.name, s.width, s.height, s.frames) for s in seqs] == [("A", 96, 64, 3), ("B", 64, 48, 2)]
    yuv_frames = list(sequences.read_frames(seqs[0], 3))
    assert np.array_equal(np.concatenate([p.ravel() for f in yuv_frames for p in f]),
                          np.fromfile(a, np.uint8))
    b = list(sequences.read_frames(seqs[1], 2))
    assert b[1][0].shape == (48, 64) and b[1][2].shape == (24, 32)
    assert sequences.discover([str(tmp_path)], names=["B"])[0].name == "B"
    with pytest.raises(EvalError, match="C not among A, B"):
        sequences.discover([str(tmp_path)], names=["C"])


def test_bad_sizes(tmp_path):
    p = tmp_path / "Odd_96x64_30.yuv"
    p.write_bytes(b"\0" * 1000)
    with pytest.raises(EvalError, match="not a whole number"):
        sequences.discover([str(p)])
    q = tmp_path / "noname.yuv"
    q.write_bytes(b"\0" * 9216)
    with pytest.raises(EvalError, match="cannot tell the size"):
        sequences.discover([str(q)])
    s = sequences.discover([write_clip(str(tmp_path), "C", 96, 64, 30, 2)])[0]
    with pytest.raises(EvalError, match="5 frames asked for"):
        sequences.check_frames(s, 5)
