"""Reading a folder's safetensors weights without trusting them.

Every failure names its file and becomes a ``ModelLoadError``. The headers are read first
(``read_header``: names, dtypes and shapes, no tensor data), so that the config can be
checked against them before any memory is spent; the tensors are read afterwards
(``read_tensors``), converted to float32 and refused when they hold NaN or ±inf.
Weights are read only from safetensors files (never through pickle).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from safetensors import safe_open

from attnviz.errors import AttnvizError, ConfigError, ModelLoadError, Text, UnsafeWeightsError, WeightsMismatchError

SINGLE, INDEX = "model.safetensors", "model.safetensors.index.json"
DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}  # fmt: skip
SHARD_NAME = re.compile(r"^[\w.-]+\.safetensors$")


@contextmanager
def reading(path: Path, problem: str = "load_unreadable") -> Iterator[None]:
    """Turn any failure inside the block into a ``ModelLoadError`` naming ``path``.

    attnviz's own errors about the content (``ConfigError``, ``WeightsMismatchError``)
    become the problem described; malformed JSON says so; anything else (an ``OSError``,
    a library's parsing error) is described by its type and message under the key ``problem``.
    """
    try:
        yield
    except ModelLoadError:
        raise
    except (ConfigError, WeightsMismatchError) as exc:
        raise ModelLoadError(path=str(path), problem=exc) from None
    except json.JSONDecodeError as exc:
        raise ModelLoadError(path=str(path), problem=Text("load_bad_json", detail=str(exc))) from None
    except AttnvizError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file may make any library raise anything
        detail = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
        raise ModelLoadError(path=str(path), problem=Text(problem, detail=detail)) from None


def weight_files(folder: Path) -> list[Path]:
    """The folder's ``model.safetensors``, or the shards its index file names.

    Raises:
        UnsafeWeightsError: when the folder has no safetensors weights (a pickled
            ``pytorch_model.bin`` is refused, never loaded).
        ModelLoadError: for an unreadable index, or one naming a file outside the folder.
    """
    single, index = folder / SINGLE, folder / INDEX
    if single.is_file():
        return [single]
    if not index.is_file():
        raise UnsafeWeightsError(path=str(folder))
    with reading(index):
        weight_map = json.loads(index.read_text())["weight_map"]
        shards = sorted(set(weight_map.values()))
    for shard in shards:
        if not isinstance(shard, str) or not SHARD_NAME.match(shard) or not (folder / shard).is_file():
            raise ModelLoadError(path=str(index), problem=Text("load_bad_shard", shard=repr(shard)[:100]))
    return [folder / shard for shard in shards]


def read_header(files: list[Path]) -> dict[str, torch.Tensor]:
    """Every tensor of ``files`` as a meta tensor (its name, dtype and shape; no data is read).

    An unknown dtype (e.g. float8) is given as ``torch.uint8``, so that it is refused
    where it is used.

    Raises:
        ModelLoadError: for a file that is not valid safetensors (truncated, a damaged header).
    """
    header = {}
    for file in files:
        with reading(file, "load_bad_safetensors"), safe_open(file, framework="pt") as weights:
            for name in weights.keys():
                part = weights.get_slice(name)
                dtype = DTYPES.get(part.get_dtype(), torch.uint8)
                header[name] = torch.empty(part.get_shape(), dtype=dtype, device="meta")
    return header


def check_dtypes(header: dict[str, torch.Tensor], used, file: Path) -> None:
    """Refuse a tensor ``used(name)`` reports as used when it is not floating point.

    Raises:
        ModelLoadError: naming the tensor and its dtype.
    """
    for name, tensor in header.items():
        if used(name) and not tensor.dtype.is_floating_point:
            raise ModelLoadError(path=str(file), problem=Text("load_bad_dtype", tensor=name, dtype=str(tensor.dtype).removeprefix("torch.")))


def read_tensors(files: list[Path], used, check_finite: bool = True) -> dict[str, torch.Tensor]:
    """The tensors ``used(name)`` reports as used, as float32, from ``files``.

    Args:
        files: safetensors files (``weight_files``), already checked by ``read_header``.
        used: predicate on a tensor name; other tensors are not read.
        check_finite: refuse tensors with NaN or ±inf (skipped only for a verified cache,
            whose tensors were checked when it was written).

    Raises:
        ModelLoadError: for a file that cannot be read, or a tensor holding NaN or ±inf.
    """
    tensors = {}
    for file in files:
        with reading(file, "load_bad_safetensors"), safe_open(file, framework="pt") as weights:
            for name in weights.keys():
                if used(name):
                    tensors[name] = weights.get_tensor(name).float()
                    if check_finite and not is_finite(tensors[name]):
                        raise ModelLoadError(path=str(file), problem=Text("load_not_finite", tensor=name))
    return tensors


def is_finite(tensor: torch.Tensor) -> bool:
    """True when no element is NaN or ±inf.

    A finite sum proves it (NaN and ±inf propagate through a sum) at a quarter of the
    memory traffic of ``isfinite``; only a sum that is not finite (NaN, inf, or an
    overflow of huge finite values) has every element checked.
    """
    return bool(torch.isfinite(tensor.sum())) or bool(torch.isfinite(tensor).all())
