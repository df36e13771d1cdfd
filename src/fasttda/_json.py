"""Strict JSON from numpy-laden results: one sanitiser for the Mapper graph, analyses and the study store."""

from __future__ import annotations

import numpy as np


def jsonable(obj):
    """``obj`` with numpy scalars and arrays made Python values and NaN/inf made None (strict JSON has neither)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj
