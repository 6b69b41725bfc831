"""Strings of the app shell, the errors and the Attention Explorer."""

STRINGS: dict[str, dict[str, str]] = {
    # errors (attnviz.errors)
    "err_generic": {"en": "Something is wrong with the input.", "zh": "输入有误。"},
    "err_empty_text": {
        "en": "Type a sentence first: the text is empty.",
        "zh": "请先输入一个句子：文本为空。",
    },
    "err_invalid_text": {
        "en": "The text is not valid Unicode at character {position} (a lone surrogate). Retype or paste it again as plain text.",
        "zh": "文本在第 {position} 个字符处不是有效的 Unicode（孤立的代理码位）。请重新输入或以纯文本重新粘贴。",
    },
    "err_source_too_long": {
        "en": "The source is {n} tokens long; this model reads at most {most}. Shorten it.",
        "zh": "源文本有 {n} 个 token，此模型最多读取 {most} 个。请缩短它。",
    },
    "err_target_too_long": {
        "en": "The target is {n} tokens long; this model's decoder takes at most {most}. Shorten it.",
        "zh": "目标文本有 {n} 个 token，此模型的解码器最多接受 {most} 个。请缩短它。",
    },
    "err_unknown_model": {
        "en": "Unknown model '{name}'. Choose one of: {choices}, or give a folder that holds a Hugging Face model (config.json, model.safetensors, tokenizer).",
        "zh": "未知模型“{name}”。请从以下选择：{choices}，或提供包含 Hugging Face 模型（config.json、model.safetensors、分词器）的文件夹。",
    },
    "err_model_not_installed": {
        "en": "The model '{name}' is not installed. Install it with: {pip}",
        "zh": "模型“{name}”尚未安装。请运行：{pip}",
    },
    "err_unsafe_weights": {
        "en": "No safetensors weights in {path}. attnviz never loads pickled weights (pytorch_model.bin); convert them to model.safetensors first.",
        "zh": "{path} 中没有 safetensors 权重。attnviz 从不加载 pickle 格式的权重（pytorch_model.bin）；请先转换为 model.safetensors。",
    },
    "err_capture_file": {
        "en": "This file is not a capture saved by attnviz, or it is damaged ({detail}). Save the capture again with its download button.",
        "zh": "这个文件不是 attnviz 保存的捕获结果，或者已经损坏（{detail}）。请用下载按钮重新保存。",
    },
    "err_ablation": {
        "en": "Unknown ablation {value}: use \"zero\" (the head's output set to 0) or \"mean\" (set to its mean over the positions).",
        "zh": "未知的消融方式 {value}：请使用 \"zero\"（把该头的输出置为 0）或 \"mean\"（置为它在各位置上的平均值）。",
    },
    "err_config": {
        "en": "Unsupported configuration: {field} = {value}. attnviz implements BERT encoders, GPT-2 and Llama decoders, and BART, Marian and T5 encoder–decoders.",
        "zh": "不支持的配置：{field} = {value}。attnviz 支持 BERT 编码器、GPT-2 和 Llama 解码器，以及 BART、Marian 和 T5 编码器–解码器。",
    },
    "err_weights_mismatch": {
        "en": "The checkpoint's weights do not match its config: {detail}.",
        "zh": "检查点的权重与配置不符：{detail}。",
    },
    "err_invalid_mask": {
        "en": "Invalid attention mask: {detail}.",
        "zh": "无效的注意力掩码：{detail}。",
    },
    # app shell
    "app_title": {"en": "attnviz — see what attention attends to", "zh": "attnviz — 看见注意力在看哪里"},
    "language": {"en": "Language", "zh": "语言"},
    "section_explore": {"en": "Explore", "zh": "探索"},
    "page_explorer": {"en": "Attention Explorer", "zh": "注意力探查器"},
    "loading_model": {"en": "Loading model {name}…", "zh": "正在加载模型 {name}…"},
    "running_model": {"en": "Running the model…", "zh": "正在运行模型…"},
    # explorer
    "explorer_intro": {
        "en": "Type a sentence and see, for a real pretrained model, what every layer and head attends to. Every number comes from attnviz's own implementation of the model.",
        "zh": "输入一个句子，看看真实的预训练模型中每一层、每个注意力头在关注什么。所有数字都来自 attnviz 自己实现的模型。",
    },
    "model": {"en": "Model", "zh": "模型"},
    "model_label_minilm": {
        "en": "all-MiniLM-L6-v2 (BERT encoder, 6 layers × 12 heads)",
        "zh": "all-MiniLM-L6-v2（BERT 编码器，6 层 × 12 个头）",
    },
    "model_label_smollm2": {
        "en": "SmolLM2-135M-Instruct (Llama decoder, 30 layers × 9 heads sharing 3 key/value heads)",
        "zh": "SmolLM2-135M-Instruct（Llama 解码器，30 层 × 9 个头，共用 3 个键/值头）",
    },
    "unk_warning": {
        "en": "{n} of the {total} tokens are {unk}: {model} has no entry for these characters in its vocabulary (most Chinese characters are missing), so it reads the same placeholder for each of them and their attention says nothing about the characters. {reader} reads any text: it spells every character in bytes.",
        "zh": "{total} 个 token 中有 {n} 个是 {unk}：{model}的词表里没有这些字符（大多数汉字都不在其中），模型对它们读到的是同一个占位符，这些位置的注意力与字符本身无关。{reader}能读任何文本：它把每个字符拆成字节来读。",
    },
    "unk_switch": {"en": "Read this text with {reader}", "zh": "改用 {reader} 读这段文本"},
    "unk_open_explorer": {"en": "Open this text in the Explorer with {reader}", "zh": "在注意力探查器中用 {reader} 打开这段文本"},
    "sentence": {"en": "Sentence", "zh": "句子"},
    "sentence_pair": {"en": "Second sentence (optional, makes a pair)", "zh": "第二个句子（可选，组成句子对）"},
    "examples": {"en": "Examples", "zh": "示例"},
    "example_none": {"en": "— pick an example —", "zh": "— 选择一个示例 —"},
    "layer": {"en": "Layer", "zh": "层"},
    "head": {"en": "Head", "zh": "头"},
    "view": {"en": "View", "zh": "视图"},
    "view_head": {"en": "One head (heatmap)", "zh": "单个头（热力图）"},
    "view_model": {"en": "Model view (all layers × heads)", "zh": "模型视图（所有层 × 头）"},
    "view_lines": {"en": "Head view (lines)", "zh": "头视图（连线）"},
    "view_average": {"en": "Average over the layer's heads", "zh": "该层所有头的平均"},
    "heads_shown": {"en": "Heads to draw", "zh": "要显示的头"},
    "open_head": {"en": "Open layer {layer}, head {head}", "zh": "打开第 {layer} 层第 {head} 个头"},
    "model_view_help": {
        "en": "Each small map is one head: rows are query tokens, columns key tokens. Click a map (or pick its layer and head above) to open it.",
        "zh": "每个小图是一个注意力头：行是查询 token，列是键 token。点击小图（或在上方选择层和头）即可打开。",
    },
    "tokens_summary": {"en": "{n} tokens", "zh": "{n} 个 token"},
    "truncated_budget": {
        "en": "The text was cut to its first {max} tokens ({dropped} dropped from the end). The model reads up to {model_max}, but this server keeps captures in {mb} MiB (ATTNVIZ_CACHE_MB), and a longer one would take more than half of it. Whoever runs the server can raise it.",
        "zh": "文本已被截到前 {max} 个 token（末尾丢弃了 {dropped} 个）。模型最多能读 {model_max} 个，但本服务器只用 {mb} MiB（ATTNVIZ_CACHE_MB）保存捕获结果，更长的输入会占去一半以上。运行服务器的人可以调大它。",
    },
    "truncated_warning": {
        "en": "The text is longer than the model's maximum of {max} tokens: {dropped} tokens were dropped from the end.",
        "zh": "文本超过模型最多 {max} 个 token 的限制：末尾的 {dropped} 个 token 已被丢弃。",
    },
    "empty_prompt": {"en": "Type a sentence above to see its attention.", "zh": "请在上方输入一个句子以查看注意力。"},
    "share_link": {"en": "This page's address opens the same view: share it with the class.", "zh": "本页地址会打开同样的视图：可以分享给全班。"},
    # plots
    "query": {"en": "query", "zh": "查询"},
    "key": {"en": "key", "zh": "键"},
    "weight": {"en": "weight", "zh": "权重"},
    "raw_score": {"en": "raw score", "zh": "原始分数"},
    "masked": {"en": "masked", "zh": "已屏蔽"},
    "query_token": {"en": "Query token", "zh": "查询 token"},
    "key_token": {"en": "Key token", "zh": "键 token"},
    "heatmap_title": {"en": "Layer {layer}, head {head}", "zh": "第 {layer} 层，第 {head} 个头"},
    "average_title": {"en": "Layer {layer}, mean over {n} heads", "zh": "第 {layer} 层，{n} 个头的平均"},
    "lines_title": {"en": "Layer {layer}: who attends to whom", "zh": "第 {layer} 层：谁在关注谁"},
}
