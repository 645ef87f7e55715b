"""Constants of the profile dlvc codes (HEVC Main: 8-bit, 4:2:0)."""
BIT_DEPTH = 8
MAX_SAMPLE = (1 << BIT_DEPTH) - 1
MIN_CU_LOG2 = 3
MIN_TU_LOG2 = 2
