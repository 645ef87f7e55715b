"""dlvc: a DLVC-style hybrid video codec (HEVC Main profile with deep tools off)."""
