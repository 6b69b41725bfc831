"""Strings of serving the app to a class: the operator's local-model setting, input limits."""

STRINGS: dict[str, dict[str, str]] = {
    "serve_local_model": {
        "en": "Or a model folder on the server (operator setting)",
        "zh": "或服务器上的模型文件夹（管理员设置）",
    },
    "serve_local_model_help": {
        "en": "A Hugging Face BERT, GPT-2 or Llama folder (config.json, model.safetensors and tokenizer files), or one in attnviz's own format (attnviz-config.json). Leave empty to use the model above.",
        "zh": "一个 Hugging Face 的 BERT、GPT-2 或 Llama 模型文件夹（包含 config.json、model.safetensors 和分词器文件），或 attnviz 自有格式的文件夹（attnviz-config.json）。留空则使用上面选择的模型。",
    },
    "serve_local_model_help_s2s": {
        "en": "A Hugging Face BART, Marian or T5 folder (config.json, model.safetensors and tokenizer files), or one scripts/train_seq2seq.py wrote (attnviz-seq2seq.json, model.safetensors, tokenizer.json). Leave empty for the bundled translator.",
        "zh": "一个 Hugging Face 的 BART、Marian 或 T5 模型文件夹（包含 config.json、model.safetensors 和分词器文件），或 scripts/train_seq2seq.py 写出的文件夹（attnviz-seq2seq.json、model.safetensors、tokenizer.json）。留空则使用内置的翻译模型。",
    },
    "serve_local_model_missing": {
        "en": "No model folder at {path}: the folder must exist on the server and hold config.json (Hugging Face), attnviz-config.json or attnviz-seq2seq.json (attnviz's own formats).",
        "zh": "{path} 不是模型文件夹：该文件夹必须位于服务器上，并包含 config.json（Hugging Face 格式）、attnviz-config.json 或 attnviz-seq2seq.json（attnviz 自有格式）。",
    },
    "serve_text_clipped": {
        "en": "A text longer than {max} characters is cut: only its first {max} characters are used.",
        "zh": "超过 {max} 个字符的文本会被截断：只使用前 {max} 个字符。",
    },
    "serve_link_without_text": {
        "en": "This text is longer than {max} characters, so the page's address does not carry it: a shared link opens the same view with the default sentence.",
        "zh": "这段文本超过 {max} 个字符，所以本页地址不包含它：分享的链接会以默认句子打开同样的视图。",
    },
}
