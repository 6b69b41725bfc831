"""Lesson titles and navigation labels."""

STRINGS = {
    "lesson1_title": {"en": "Lesson 1 · Word vectors", "zh": "第 1 课 · 词向量"},
    "lesson1_nav": {"en": "1 · Word vectors", "zh": "1 · 词向量"},
    "lesson2_title": {"en": "Lesson 2 · Attention as a search", "zh": "第 2 课 · 把注意力看成一次搜索"},
    "lesson2_nav": {"en": "2 · Attention as a search", "zh": "2 · 注意力即搜索"},
    "lesson3_title": {"en": "Lesson 3 · Soft, hard and local attention", "zh": "第 3 课 · 软注意力、硬注意力与局部注意力"},
    "lesson3_nav": {"en": "3 · Soft, hard, local", "zh": "3 · 软、硬、局部注意力"},
    "lesson4_title": {"en": "Lesson 4 · Scoring functions", "zh": "第 4 课 · 打分函数"},
    "lesson4_nav": {"en": "4 · Scoring functions", "zh": "4 · 打分函数"},
    "lesson5_title": {"en": "Lesson 5 · Why Q and K need different matrices", "zh": "第 5 课 · 为什么 Q 和 K 要用不同的矩阵"},
    "lesson5_nav": {"en": "5 · Separate W_Q and W_K", "zh": "5 · 分开的 W_Q 与 W_K"},
    "lesson6_title": {"en": "Lesson 6 · Positional encoding", "zh": "第 6 课 · 位置编码"},
    "lesson6_nav": {"en": "6 · Positional encoding", "zh": "6 · 位置编码"},
    "lesson7_title": {"en": "Lesson 7 · The Transformer block", "zh": "第 7 课 · Transformer 块"},
    "lesson7_nav": {"en": "7 · The Transformer block", "zh": "7 · Transformer 块"},
    "lesson8_title": {"en": "Lesson 8 · What attention costs", "zh": "第 8 课 · 注意力的代价"},
    "lesson8_nav": {"en": "8 · Cost", "zh": "8 · 计算代价"},
    "lesson9_title": {"en": "Lesson 9 · What does \"it\" refer to?", "zh": "第 9 课 · “it”指的是什么？"},
    "lesson9_nav": {"en": "9 · What does \"it\" refer to?", "zh": "9 · “it”指什么？"},
}
