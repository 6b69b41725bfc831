"""Strings of Lesson 10 (why multi-head)."""

STRINGS = {
    "lesson10_title": {"en": "Lesson 10 · Why multi-head", "zh": "第 10 课 · 为什么要多头"},
    "lesson10_nav": {"en": "10 · Why multi-head", "zh": "10 · 为什么要多头"},
    "lesson10_numbers": {
        "en": "The parameter counts are read from the weights of the bundled model {name}; the entropies and distances come from a live capture of your sentence by that model. The paper's sizes are quoted from Vaswani et al. 2017 (section 3.2.2).",
        "zh": "参数量读自内置模型 {name} 的权重；熵和距离来自该模型对你的句子的实时捕获。论文中的尺寸引自 Vaswani 等，2017（第 3.2.2 节）。",
    },
    "lesson10_intro": {
        "en": "One attention head computes one weighted average per token: one way of deciding what matters. The Transformer runs several heads side by side, each in its own smaller subspace, and joins their results. Why, what does it cost, and do the heads of a real model really look at different things?",
        "zh": "一个注意力头为每个 token 计算一次加权平均：只有一种判断“什么重要”的方式。Transformer 并排运行多个头，每个头在自己较小的子空间里工作，再把结果合并。为什么这样做？代价是什么？真实模型的各个头真的在看不同的东西吗？",
    },
    "lesson10_sec_subspaces": {"en": "Representation subspaces", "zh": "表示子空间"},
    "lesson10_subspaces_text": {
        "en": "Each head i has its own projections W_i^Q, W_i^K, W_i^V from d_model down to d_k numbers: it compares and mixes the tokens in its own subspace. One head can follow the previous word, another the subject of the sentence; a single head would have to average these into one pattern. In the paper's words, multi-head attention “allows the model to jointly attend to information from different representation subspaces at different positions”. The h results are concatenated back to h·d_k = d_model numbers and mixed by W^O.",
        "zh": "每个头 i 都有自己的投影 W_i^Q、W_i^K、W_i^V，把 d_model 维降到 d_k 维：它在自己的子空间里比较和混合各个 token。一个头可以关注前一个词，另一个头关注句子的主语；如果只有一个头，就只能把这些平均成一种模式。用论文的话说，多头注意力“使模型能够在不同位置共同关注来自不同表示子空间的信息”。h 个结果被拼接回 h·d_k = d_model 维，再由 W^O 混合。",
    },
    "lesson10_size_h": {"en": "heads h", "zh": "头数 h"},
    "lesson10_size_d_k": {"en": "d_k = d_model / h", "zh": "d_k = d_model / h"},
    "lesson10_size_product": {"en": "h · d_k = d_model", "zh": "h · d_k = d_model"},
    "lesson10_size_sqrt": {"en": "√d_k (the scale of the scores)", "zh": "√d_k（分数的缩放因子）"},
    "lesson10_size_layers": {"en": "blocks N", "zh": "块数 N"},
    "lesson10_size_ffn": {"en": "d_ff (activation)", "zh": "d_ff（激活函数）"},
    "lesson10_sizes_text": {
        "en": "The paper's base model: d_model = 512 split into h = 8 heads of d_k = 64, so each head's scores are divided by √64 = 8; N = 6 blocks, d_ff = 2048 with ReLU. MiniLM is narrower: 384 split into 12 heads of 32 (√32 ≈ 5.66), d_ff = 1536 with GELU. Both keep h·d_k = d_model: more heads means narrower heads, not more numbers.",
        "zh": "论文的基础模型：d_model = 512 分成 h = 8 个 d_k = 64 的头，所以每个头的分数除以 √64 = 8；N = 6 个块，d_ff = 2048，使用 ReLU。MiniLM 更窄：384 分成 12 个 32 维的头（√32 ≈ 5.66），d_ff = 1536，使用 GELU。两者都保持 h·d_k = d_model：头越多，每个头越窄，而不是数字越多。",
    },
    "lesson10_sec_params": {"en": "The same parameters as one head", "zh": "与一个头的参数量相同"},
    "lesson10_params_text": {
        "en": "This model has h = {h} heads, each with a W_i^Q of {d_model} × {d_k} = {per_head} numbers. Side by side the {h} matrices are one {d_model} × {d_model} matrix: exactly the size of one head that keeps the full width. The same holds for W^K and W^V, and W^O is d_model × d_model either way.",
        "zh": "本模型有 h = {h} 个头，每个头的 W_i^Q 有 {d_model} × {d_k} = {per_head} 个数。{h} 个矩阵并排起来就是一个 {d_model} × {d_model} 的矩阵：恰好等于一个保持全宽的头的大小。W^K 和 W^V 也是如此，而 W^O 无论哪种情况都是 d_model × d_model。",
    },
    "lesson10_params_notes_say": {
        "en": "multi-head attention “also increases the model's parameter count, so it can hold more information” (self-attention.txt, multi-head self-attention).",
        "zh": "多头自注意力“也增加了模型的参数量，从而能够容纳更多信息”（self-attention.txt，多头自注意力）。",
    },
    "lesson10_params_in_fact": {
        "en": "in the standard setup (d_k = d_model/h, as in the paper and in this model) the h heads have exactly as many parameters as one head of full width: the heads split d_model, they do not add to it. The counts below are read from the model's weights.",
        "zh": "在标准设置下（d_k = d_model/h，论文和本模型都是如此），h 个头的参数量与一个全宽的头完全相同：多个头是把 d_model 分开，而不是在它之上增加。下方的数字读自模型的权重。",
    },
    "lesson10_count_actual": {"en": "this model: {h} heads of {d_k}", "zh": "本模型：{h} 个 {d_k} 维的头"},
    "lesson10_count_one": {"en": "one head of {d_model}", "zh": "一个 {d_model} 维的头"},
    "lesson10_count_wide": {"en": "{h} heads of {d_model} each", "zh": "{h} 个各 {d_model} 维的头"},
    "lesson10_bar_actual": {"en": "multi-head (this model)", "zh": "多头（本模型）"},
    "lesson10_bar_one": {"en": "one full-width head", "zh": "一个全宽的头"},
    "lesson10_bar_wide": {"en": "h full-width heads", "zh": "h 个全宽的头"},
    "lesson10_bar_title": {"en": "Parameters of one attention layer (W_Q, W_K, W_V, W_O and biases)", "zh": "一个注意力层的参数量（W_Q、W_K、W_V、W_O 及偏置）"},
    "lesson10_params_after": {
        "en": "The first number is counted in the model's own tensors, the other two from the formulas 4·d_model² + 4·d_model and 4h·d_model² + 3h·d_model + d_model. Only heads that each keep the full width would multiply the parameters (and the work) by about h. What multi-head buys is variety, at the same price.",
        "zh": "第一个数在模型自己的张量中清点得出，另外两个按公式计算：4·d_model² + 4·d_model，以及 4h·d_model² + 3h·d_model + d_model。只有每个头都保持全宽时，参数量（和计算量）才会乘以约 h。多头换来的是多样性，而价格不变。",
    },
    "lesson10_sec_heads": {"en": "How differently the real heads attend", "zh": "真实的头关注得有多不同"},
    "lesson10_heads_text": {
        "en": "If the heads all attended the same way, several heads would be no better than one. Two measures on your sentence: each head's **entropy** (0 bits: every token looks at a single token; more bits: attention spread over many tokens), and the **distance** between two heads' patterns (the Jensen–Shannon distance per query row, averaged: 0 for identical patterns, 1 for patterns with no key in common).",
        "zh": "如果所有的头都以同样的方式关注，多个头就不比一个头好。在你的句子上看两个指标：每个头的**熵**（0 比特：每个 token 只看一个 token；比特越多：注意力分散在越多的 token 上），以及两个头的注意力模式之间的**距离**（逐个查询行计算 Jensen–Shannon 距离再取平均：模式相同时为 0，没有任何共同的键时为 1）。",
    },
    "lesson10_entropy_title": {"en": "Entropy of every head's pattern (bits, mean over the query tokens)", "zh": "每个头的注意力模式的熵（比特，对查询 token 取平均）"},
    "lesson10_bits": {"en": "bits", "zh": "比特"},
    "lesson10_entropy_caption": {
        "en": "{n} tokens: a row spread evenly over all of them would have log₂({n}) = {max_bits} bits.",
        "zh": "共 {n} 个 token：均匀分布在所有 token 上的一行的熵为 log₂({n}) = {max_bits} 比特。",
    },
    "lesson10_distance_title": {"en": "Distance between the heads of layer {layer}", "zh": "第 {layer} 层各个头之间的距离"},
    "lesson10_distance": {"en": "JS distance", "zh": "JS 距离"},
    "lesson10_distance_text": {
        "en": "In layer {layer} two heads are on average {mean} apart. The most alike are heads {alike_a} and {alike_b} ({alike}), the most different heads {diff_a} and {diff_b} ({diff}); both pairs are drawn below.",
        "zh": "第 {layer} 层中，两个头之间的平均距离是 {mean}。最相似的是第 {alike_a} 和第 {alike_b} 个头（{alike}），差别最大的是第 {diff_a} 和第 {diff_b} 个头（{diff}）；两对都画在下方。",
    },
    "lesson10_pair_different": {"en": "Most different pair: layer {layer}, head {head}", "zh": "差别最大的一对：第 {layer} 层，第 {head} 个头"},
    "lesson10_pair_alike": {"en": "Most alike pair: layer {layer}, head {head}", "zh": "最相似的一对：第 {layer} 层，第 {head} 个头"},
    "lesson10_q_prompt": {
        "en": "On your sentence, in which layer do the heads attend most differently from each other (the largest mean distance)?",
        "zh": "在你的句子上，哪一层的各个头彼此关注得最不一样（平均距离最大）？",
    },
    "lesson10_q_explain": {
        "en": "Layer {layer}: its heads are on average {distance} apart; the most uniform layer is layer {least_layer} ({least}).",
        "zh": "第 {layer} 层：其各个头的平均距离为 {distance}；最一致的是第 {least_layer} 层（{least}）。",
    },
}
