"""dlvc-dec against HM's own all-intra streams (../shared/anchors): the decoded frames must
have exactly the MD5 that HM's decoder (and FFmpeg) produce (streams.csv)."""
import csv
import hashlib
import os

import numpy as np
import pytest

from codec_util import ROOT, dlvc_decode

ANCHORS = os.path.join(os.path.dirname(ROOT), "shared", "anchors")


def stream_md5s():
    path = os.path.join(ANCHORS, "streams.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {(r["config"], r["sequence"], int(r["qp"])): r["hm_decoded_md5"] for r in csv.DictReader(f)}


MD5 = stream_md5s()


@pytest.mark.parametrize("config,sequence,qp", [("AI", "Carphone", 22), ("AI", "Carphone", 37),
                                                ("AI", "BunnyCrop", 32)])
def test_hm_stream_md5(config, sequence, qp):
    if (config, sequence, qp) not in MD5:
        pytest.skip("../shared/anchors not found")
    stream = open(os.path.join(ANCHORS, "hm", "streams", f"{config}_{sequence}_QP{qp}.bin"), "rb").read()
    out = dlvc_decode(stream)
    assert hashlib.md5(out.astype(np.uint8).tobytes()).hexdigest() == MD5[(config, sequence, qp)]
