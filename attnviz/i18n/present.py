"""Strings of present mode (the projector layout every page shares) and of the head view's controls."""

STRINGS: dict[str, dict[str, str]] = {
    "present_mode": {"en": "Present mode", "zh": "演示模式"},
    "present_mode_help": {
        "en": "For a projector: the main chart fills the screen beside compact controls, larger type, one lesson section per tab. Keys: ← → previous/next head, ↑ ↓ previous/next layer (Explorer); ← → previous/next section (lessons). Kept in the link as present=1.",
        "zh": "适合投影：主图占满屏幕，控件紧凑地放在旁边，字号更大，课程每节一个标签页。按键：← → 上一个/下一个头，↑ ↓ 上一层/下一层（注意力探查器）；← → 上一节/下一节（课程）。链接中以 present=1 保留。",
    },
    "present_lesson_about": {"en": "About this lesson: what it shows and where its numbers come from", "zh": "关于本课：展示什么，数字从何而来"},
    "present_prev_head": {"en": "Head −1", "zh": "头 −1"},
    "present_next_head": {"en": "Head +1", "zh": "头 +1"},
    "present_prev_layer": {"en": "Layer −1", "zh": "层 −1"},
    "present_prev_section": {"en": "Previous", "zh": "上一节"},
    "present_next_section": {"en": "Next", "zh": "下一节"},
    "present_next_layer": {"en": "Layer +1", "zh": "层 +1"},
    "present_window_note": {
        "en": "Present mode draws at most {most} tokens each way at full size; choose the window with the sliders.",
        "zh": "演示模式每个方向最多以全尺寸绘制 {most} 个 token；用滑块选择窗口。",
    },
    "lines_threshold": {"en": "Hide lines below weight", "zh": "隐藏权重低于此值的连线"},
    "lines_focus": {"en": "Only the lines of token", "zh": "只显示此 token 的连线"},
    "lines_focus_all": {"en": "every token", "zh": "所有 token"},
    "lines_focus_as": {"en": "The token as", "zh": "该 token 作为"},
    "lines_as_query": {"en": "query (its lines to the keys)", "zh": "query（连向各个 key）"},
    "lines_as_key": {"en": "key (the queries attending to it)", "zh": "key（关注它的各个 query）"},
    "lines_pair_filter": {"en": "Sentence pair", "zh": "句子对"},
    "lines_pair_all": {"en": "all lines", "zh": "全部连线"},
    "lines_pair_ab": {"en": "A → B", "zh": "A → B"},
    "lines_pair_ba": {"en": "B → A", "zh": "B → A"},
    "lines_help": {
        "en": "Click a token on either side to keep only its lines (click it again, or pick “every token”, for all); click a head's colour square in the legend to hide or show that head.",
        "zh": "点击任一侧的 token，只保留它的连线（再次点击或选“所有 token”可恢复全部）；点击图例中某个头的色块可隐藏或显示该头。",
    },
}
