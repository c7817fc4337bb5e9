"""Model layer: adapters for skops, ONNX, joblib/pickle and predictions columns."""

from __future__ import annotations

from aiqm.models.base import MODEL_KINDS, ModelAdapter
from aiqm.models.cache import CachedModel, prediction_cache_path, read_cached_classes
from aiqm.models.loaders import MODEL_FILE_FORMATS, detect_model_format, load_model
from aiqm.models.onnx_adapter import OnnxAdapter
from aiqm.models.predictions import PredictionsAdapter
from aiqm.models.sklearn_adapter import SklearnAdapter

__all__ = [
    "MODEL_FILE_FORMATS",
    "MODEL_KINDS",
    "CachedModel",
    "ModelAdapter",
    "OnnxAdapter",
    "PredictionsAdapter",
    "SklearnAdapter",
    "detect_model_format",
    "load_model",
    "prediction_cache_path",
    "read_cached_classes",
]
