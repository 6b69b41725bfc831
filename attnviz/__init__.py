"""attnviz: see what every layer and head of a real Transformer attends to.

    import attnviz
    model = attnviz.load_model("minilm")
    cap = model.run_with_capture("The animal didn't cross the street because it was too tired.")
    cap.pattern[3, 7]  # float32 [query_pos, key_pos]: one head, derived from q and k on access
"""

from attnviz.analysis.ablation import ablation_map, patching_map
from attnviz.analysis.attribution import attention_flow, integrated_gradients, rollout
from attnviz.analysis.head_metrics import head_metrics
from attnviz.analysis.logit_lens import logit_lens
from attnviz.analysis.pairs import pattern_difference
from attnviz.errors import (
    AblationError,
    AttnvizError,
    CaptureFileError,
    ConfigError,
    EmptyTextError,
    InvalidMaskError,
    InvalidTextError,
    ModelLoadError,
    ModelNotInstalledError,
    SourceTooLongError,
    TargetTooLongError,
    UnknownModelError,
    UnsafeWeightsError,
    WeightsMismatchError,
)
from attnviz.loading import load_model
from attnviz.loading.registry import REGISTRY, SEQ2SEQ_REGISTRY
from attnviz.model.capture import Capture
from attnviz.model.config import ModelConfig
from attnviz.model.runner import HookedTransformer
from attnviz.model.seq2seq_capture import Seq2SeqCapture
from attnviz.model.seq2seq_config import Seq2SeqConfig
from attnviz.model.seq2seq_runner import HookedSeq2Seq

__all__ = [
    "REGISTRY",
    "SEQ2SEQ_REGISTRY",
    "AblationError",
    "AttnvizError",
    "Capture",
    "CaptureFileError",
    "ConfigError",
    "EmptyTextError",
    "HookedSeq2Seq",
    "HookedTransformer",
    "InvalidMaskError",
    "InvalidTextError",
    "ModelConfig",
    "ModelLoadError",
    "ModelNotInstalledError",
    "Seq2SeqCapture",
    "Seq2SeqConfig",
    "SourceTooLongError",
    "TargetTooLongError",
    "UnknownModelError",
    "UnsafeWeightsError",
    "WeightsMismatchError",
    "ablation_map",
    "attention_flow",
    "head_metrics",
    "integrated_gradients",
    "load_model",
    "logit_lens",
    "patching_map",
    "pattern_difference",
    "rollout",
]
