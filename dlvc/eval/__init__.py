"""dlvc-eval: RD sweeps, anchors, BD-rate and CTC-style reports.

Modules (each short, one concern):

* ``errors``      -- EvalError (a DlvcError: one-line message, no traceback)
* ``sequences``   -- manifest / ``Name_WxH_fps.yuv`` / ``.y4m`` discovery and frame reading
* ``quality``     -- PSNR (HM-style), YUV-PSNR, MS-SSIM of a decoded file against its source
* ``runs``        -- RunSpec, the cache key of a run, and the on-disk result cache
* ``runner_dlvc`` -- dlvc-enc / dlvc-dec through subprocesses (timed, crash-isolated)
* ``anchors_pyav``-- x264 / x265 / SVT-AV1 through PyAV with low-delay settings
* ``anchors_hm``  -- HM encoder logs (parse + validate) or an HM encoder binary
* ``bdrate``      -- BD-rate / BD-PSNR via the ``bjontegaard`` package, with input checks
* ``report``      -- CTC tables (Markdown / CSV / JSON), anchor and ablation comparisons
* ``plot``        -- one RD-curve PNG per sequence
* ``sweep``       -- planning, cache look-up, local process pool or Dask execution, progress
"""
