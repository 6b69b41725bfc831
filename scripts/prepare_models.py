"""Convert the bundled GGUF models once, at install time (``make install`` and ``make run`` run this after pip).

SmolLM2 ships as a 4-bit GGUF file. Its first use converts it into attnviz's own safetensors
folder in the cache directory (``$ATTNVIZ_CACHE`` or the user cache directory; see
``attnviz.loading.gguf_cache``), which takes about 40 s on a 2-core machine. Done here, with
a progress bar on the terminal (tqdm), the first SmolLM2 heatmap in class does not wait for
it. A model already converted costs only the check of its files' hashes (about a second).

    python scripts/prepare_models.py            # every bundled GGUF model
    python scripts/prepare_models.py smollm2    # the ones named

Exit status 0 when every model is ready; 1 after the message of the first that could not be
prepared (e.g. a cache directory this user cannot write: the message says to set
``$ATTNVIZ_CACHE``), so that ``make`` stops and tries again next time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from attnviz.errors import AttnvizError
from attnviz.loading.registry import REGISTRY, conversion_needed, model_folder

log = logging.getLogger("attnviz.prepare_models")
GGUF_MODELS = [name for name, entry in REGISTRY.items() if entry.gguf]


def prepare(name: str) -> None:
    """Convert registry model ``name`` if it still needs it (a tqdm bar on stderr), and say where it is.

    Raises:
        UnknownModelError, ModelNotInstalledError, ModelLoadError: as ``registry.model_folder``.
    """
    if not conversion_needed(name):
        log.info("%s: already converted in %s", name, model_folder(name))
        return
    start = time.perf_counter()
    folder = model_folder(name)  # the default progress: a tqdm bar on the terminal
    log.info("%s: converted once in %.0f s into %s", name, time.perf_counter() - start, folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert attnviz's bundled GGUF models once, into the cache directory.")
    parser.add_argument("models", nargs="*", default=GGUF_MODELS, help=f"registry names (default: {' '.join(GGUF_MODELS)})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="attnviz: %(message)s", stream=sys.stderr)
    for name in args.models:
        try:
            prepare(name)
        except AttnvizError as err:
            log.error("%s could not be prepared: %s", name, err.message("en"))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
