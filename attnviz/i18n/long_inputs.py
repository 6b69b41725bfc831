"""Strings for long inputs: the pooled overview, the window drawn at full resolution, attention sinks."""

STRINGS: dict[str, dict[str, str]] = {
    "overview_pooled": {
        "en": "largest weight in this {b} × {b} block",
        "zh": "这个 {b} × {b} 块中的最大权重",
    },
    "overview_title": {
        "en": "All {n} tokens, max-pooled<br>(each cell: the largest of {b} × {b} weights)",
        "zh": "全部 {n} 个 token，最大池化<br>（每格：{b} × {b} 个权重中的最大值）",
    },
    "overview_title_whole": {
        "en": "All {n} tokens",
        "zh": "全部 {n} 个 token",
    },
    "window_queries": {"en": "Query tokens in the window", "zh": "窗口中的查询 token"},
    "window_keys": {"en": "Key tokens in the window", "zh": "窗口中的键 token"},
    "window_tokens": {"en": "Tokens shown in the matrices and maps", "zh": "矩阵和热力图中显示的 token"},
    "window_note": {
        "en": "A long text ({n} tokens): on the left the whole map, max-pooled so that a single strong weight stays visible (the red box is the window); on the right the window you choose with the sliders, every token and every weight, with its raw score on hover. A window shows at most {most} tokens each way.",
        "zh": "长文本（{n} 个 token）：左边是整张图，经过最大池化，单个很大的权重也不会被抹平（红框是窗口）；右边是你用滑块选择的窗口，显示每个 token 和每个权重，鼠标悬停可读出原始分数。窗口每个方向最多显示 {most} 个 token。",
    },
    "window_clamped": {
        "en": "A window shows at most {most} tokens: showing positions {lo}–{hi} of your choice.",
        "zh": "窗口最多显示 {most} 个 token：现在显示你所选范围中的位置 {lo}–{hi}。",
    },
    "steps_window_note": {
        "en": "A long text ({n} tokens): the matrices, rows and maps below show tokens {lo}–{hi} (at most {most}); every sum, the softmax and the errors still run over all {n} tokens.",
        "zh": "长文本（{n} 个 token）：下面的矩阵、行和热力图显示 token {lo}–{hi}（最多 {most} 个）；所有求和、softmax 和误差仍然覆盖全部 {n} 个 token。",
    },
    "model_view_pooled": {
        "en": "Each map is its head's whole pattern over all {n} tokens, max-pooled to {side} × {side} cells (each cell: the largest weight in a block of {b} × {b} token pairs).",
        "zh": "每个小图是该头在全部 {n} 个 token 上的完整注意力模式，最大池化为 {side} × {side} 格（每格是一个 {b} × {b} token 对块中的最大权重）。",
    },
    "sinks_toggle": {
        "en": "Hide the first token, [CLS] and [SEP] (attention sinks)",
        "zh": "隐藏第一个 token、[CLS] 和 [SEP]（注意力汇聚点）",
    },
    "sinks_help": {
        "en": "In many heads the first token, [CLS] or [SEP] take most of the weight: an attention sink, where a head puts its weight when nothing else matches. That weight makes the rest look empty.",
        "zh": "在许多头中，第一个 token、[CLS] 或 [SEP] 占去了大部分权重：这就是注意力汇聚点（attention sink），当没有别的键匹配时，头就把权重放在那里。这部分权重会让其余位置看起来一片空白。",
    },
    "sinks_note": {
        "en": "Attention sinks hidden: the columns of {hidden}. In many heads these take most of the weight; the colours now run from 0 to the largest weight among the other keys ({zmax:.4f}), and every weight is still the model's own (rows no longer sum to 1 on screen).",
        "zh": "已隐藏注意力汇聚点：{hidden} 这几列。在许多头中它们占去了大部分权重；现在颜色从 0 排到其余键中的最大权重（{zmax:.4f}），每个权重仍是模型自己的数值（屏幕上每行的和不再是 1）。",
    },
    "model_view_too_long": {
        "en": "The model view derives every head's pattern: for {n} tokens (more than {most}) that is too slow to draw. Pick a head in the head view; its overview and window show the whole input.",
        "zh": "模型视图需要推导每个头的注意力模式：{n} 个 token（超过 {most} 个）太慢，无法绘制。请在单头视图中选择一个头，它的概览和窗口会显示整段输入。",
    },
    "model_view_computing": {"en": "Deriving every head's pattern…", "zh": "正在推导每个头的注意力模式…"},
}
