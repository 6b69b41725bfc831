"""Strings of loading a model: what is wrong with a model folder, a file in it, or the cache."""

STRINGS: dict[str, dict[str, str]] = {
    "err_model_load": {
        "en": "Cannot load the model from {path}: {problem}. Use a bundled model, or a complete BERT, GPT-2 or Llama folder saved by Hugging Face (config.json, model.safetensors, tokenizer files).",
        "zh": "无法从 {path} 加载模型：{problem}。请使用内置模型，或使用由 Hugging Face 保存的完整 BERT、GPT-2 或 Llama 文件夹（config.json、model.safetensors、分词器文件）。",
    },
    "load_unreadable": {
        "en": "the file cannot be read ({detail})",
        "zh": "无法读取该文件（{detail}）",
    },
    "load_bad_json": {
        "en": "it is not valid JSON ({detail})",
        "zh": "它不是有效的 JSON（{detail}）",
    },
    "load_not_a_config": {
        "en": "it does not hold a JSON object with a model_type",
        "zh": "其中没有带 model_type 的 JSON 对象",
    },
    "load_bad_safetensors": {
        "en": "it is not a valid safetensors file ({detail})",
        "zh": "它不是有效的 safetensors 文件（{detail}）",
    },
    "load_bad_shard": {
        "en": "the index names the shard {shard}, which is not a .safetensors file in this folder",
        "zh": "索引中的分片 {shard} 不是本文件夹中的 .safetensors 文件",
    },
    "load_bad_dtype": {
        "en": "the tensor {tensor} has the data type {dtype}; attnviz reads floating-point weights only",
        "zh": "张量 {tensor} 的数据类型是 {dtype}；attnviz 只读取浮点权重",
    },
    "load_not_finite": {
        "en": "the tensor {tensor} holds NaN or infinite values: the file is damaged",
        "zh": "张量 {tensor} 含有 NaN 或无穷大的值：文件已损坏",
    },
    "load_no_tokenizer": {
        "en": "there are no tokenizer files (tokenizer.json, vocab.txt, vocab.json with merges.txt, tokenizer.model, or Marian's source.spm or T5's spiece.model)",
        "zh": "没有分词器文件（tokenizer.json、vocab.txt、vocab.json 与 merges.txt、tokenizer.model，或 Marian 的 source.spm、T5 的 spiece.model）",
    },
    "load_bad_tokenizer": {
        "en": "the tokenizer cannot be read ({detail})",
        "zh": "无法读取分词器（{detail}）",
    },
    "load_tokenizer_vocab": {
        "en": "the tokenizer has {n_tokens} tokens, but the model has embeddings for {d_vocab}",
        "zh": "分词器有 {n_tokens} 个 token，而模型只有 {d_vocab} 个 token 的嵌入",
    },
    "load_failed": {
        "en": "{detail}",
        "zh": "{detail}",
    },
    "load_cache_unwritable": {
        "en": "the model cache folder cannot be used by this user ({detail}). Set $ATTNVIZ_CACHE to a folder this user can read and write, e.g. ATTNVIZ_CACHE=$HOME/.cache/attnviz",
        "zh": "当前用户无法使用模型缓存文件夹（{detail}）。请把 $ATTNVIZ_CACHE 设为当前用户可读写的文件夹，例如 ATTNVIZ_CACHE=$HOME/.cache/attnviz",
    },
}
