"""Strings of serving the app to a class: the operator's local-model setting, input limits."""

STRINGS: dict[str, dict[str, str]] = {
    "serve_local_model": {
        "en": "Or a model folder on the server (operator setting)",
        "zh": "或服务器上的模型文件夹（管理员设置）",
    },
    "serve_local_model_help": {
        "en": "A Hugging Face BERT-family folder with config.json, model.safetensors and tokenizer files. Leave empty to use the model above.",
        "zh": "一个 Hugging Face BERT 系列模型文件夹，包含 config.json、model.safetensors 和分词器文件。留空则使用上面选择的模型。",
    },
    "serve_local_model_missing": {
        "en": "No model folder at {path}: the folder must exist on the server and hold a config.json.",
        "zh": "{path} 不是模型文件夹：该文件夹必须位于服务器上，并包含 config.json。",
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
