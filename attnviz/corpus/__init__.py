"""Corpus capture: every (text, layer, head) of a corpus as Parquet rows, in this process or on Ray (``attnviz capture``).

``capture_corpus`` (``attnviz.corpus.pipeline``) runs it; ``attnviz.corpus.reader`` reads
text, JSONL and Parquet corpora; ``attnviz.corpus.rows`` computes the rows;
``attnviz.corpus.shards`` writes them; ``attnviz.corpus.ray_exec`` is the Ray executor;
``attnviz.corpus.results`` reads an output folder back.
"""

from attnviz.corpus.pipeline import capture_corpus
from attnviz.corpus.rows import Settings

__all__ = ["Settings", "capture_corpus"]
