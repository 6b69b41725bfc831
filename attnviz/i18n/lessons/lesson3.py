"""Strings of Lesson 3."""

STRINGS = {
    "lesson3_numbers": {
        "en": "Where the numbers come from: the scores, the soft weights and the values are the bundled model {name}'s own, for the layer and head you pick. The hard (top-k) and local weights are formulas applied to those scores, not something the model computes, and the cross-attention map applies this head's trained W_Q and W_K to a second sentence, which the model never does.",
        "zh": "数字的来源：分数、软注意力权重和值都来自内置模型 {name} 自己（你选的那一层、那一个头）。硬注意力（top-k）和局部注意力的权重是用公式作用在这些分数上得到的，模型本身并不这样计算；交叉注意力图则把这个头训练所得的 W_Q 和 W_K 用在第二个句子上，这是模型从不做的事。",
    },
    "lesson3_intro": {
        "en": "One real head's scores, several ways to turn them into weights. Soft attention keeps every key a little; hard attention keeps only the best; local attention looks only nearby. Then: self-attention vs attention to *another* sentence (cross-attention).",
        "zh": "同一个真实注意力头的分数，几种变成权重的方式。软注意力给每个键一点权重；硬注意力只保留最好的；局部注意力只看附近。然后：自注意力 vs 关注*另一个*句子的注意力（交叉注意力）。",
    },
    "lesson3_sec_soft": {"en": "Soft (global) attention", "zh": "软（全局）注意力"},
    "lesson3_soft_text": {
        "en": "This is what the model really does: every key gets a weight between 0 and 1, and each row sums to 1. Nothing is thrown away; unimportant keys just get little weight. It is also *global*: every key is scored.",
        "zh": "这正是模型实际的做法：每个键得到 0 到 1 之间的权重，每行之和为 1。什么都不丢弃，不重要的键只是权重很小。它同时也是*全局*的：每个键都参与打分。",
    },
    "lesson3_soft_title": {"en": "Soft: layer {layer}, head {head}", "zh": "软注意力：第 {layer} 层，第 {head} 个头"},
    "lesson3_row_title": {"en": "Weights of \"{token}\" over the keys", "zh": "“{token}”对各个键的权重"},
    "lesson3_sec_hard": {"en": "Hard attention (argmax, top-k)", "zh": "硬注意力（argmax、top-k）"},
    "lesson3_k": {"en": "k (keys kept per query)", "zh": "k（每个查询保留的键数）"},
    "lesson3_hard_text": {
        "en": "The simplified hard attention drawn here keeps only the k highest-scoring keys and gives each 1/k; with k = 1 every weight is exactly 0 or 1. It is easier to read, but the weight the soft version gave to all other keys is lost, and a choice has no gradient to learn from.",
        "zh": "这里画的是简化的硬注意力：只保留得分最高的 k 个键，每个给 1/k；k = 1 时每个权重恰好是 0 或 1。它更好解读，但软注意力分给其他键的权重全部丢失，而且“选择”这一步没有梯度可供学习。",
    },
    "lesson3_hard_literature": {
        "en": "In the literature, hard attention (Xu et al. 2015, *Show, Attend and Tell*) does not take the top k: it **samples** one position from the soft weights at each step. Sampling has no gradient, so the model is trained with REINFORCE (a Monte Carlo estimate of the gradient, Williams 1992). The deterministic top-k above is a simplification for looking at one head.",
        "zh": "文献中的硬注意力（Xu 等 2015，*Show, Attend and Tell*）并不取前 k 个：它在每一步按软注意力权重**采样**一个位置。采样没有梯度，所以模型用 REINFORCE 训练（对梯度的蒙特卡洛估计，Williams 1992）。上面确定性的 top-k 只是为了观察一个头而做的简化。",
    },
    "lesson3_scores_computed": {"en": "scores computed: soft → hard", "zh": "计算的分数个数：软 → 硬"},
    "lesson3_values_mixed": {"en": "value vectors summed: soft → hard", "zh": "参与加权求和的值向量个数：软 → 硬"},
    "lesson3_cost_text": {
        "en": "Hard attention is not cheaper where the cost is: to find the k = {k} best keys, every one of the {n} × {n} scores must still be computed. Only the weighted sum of the values shrinks, from {n} to {k} value vectors per query.",
        "zh": "硬注意力在主要开销上并不更省：为了找出最好的 k = {k} 个键，{n} × {n} 个分数仍然要全部算出。只有值的加权求和变少了：每个查询从 {n} 个值向量减少到 {k} 个。",
    },
    "lesson3_discarded": {"en": "soft weight thrown away for \"{token}\"", "zh": "“{token}”被丢弃的软权重"},
    "lesson3_moved": {"en": "change of the head's output for \"{token}\"", "zh": "“{token}”处该头输出的变化"},
    "lesson3_hard_title": {"en": "Hard attention, k = {k}", "zh": "硬注意力，k = {k}"},
    "lesson3_discarded_title": {"en": "Soft weight thrown away, per query token", "zh": "每个查询 token 被丢弃的软权重"},
    "lesson3_discarded_axis": {"en": "weight thrown away", "zh": "丢弃的权重"},
    "lesson3_sec_local": {"en": "Local (restricted) attention", "zh": "局部（受限）注意力"},
    "lesson3_radius": {"en": "Window radius r", "zh": "窗口半径 r"},
    "lesson3_local_text": {
        "en": "Each query may look only at keys within r positions of itself (grey cells are masked); inside the window the weights are still soft. The Transformer paper (Vaswani et al. 2017, Table 1) calls this **restricted** self-attention: it costs O(r·n·d) instead of O(n²·d), but a word far away needs several layers to be reached. Luong et al. 2015 call a window centred on the query's own position *local-m*; their *local-p* first predicts the centre, an aligned position `p_t = S·sigmoid(v_pᵀ tanh(W_p h_t))`, then looks at [p_t − D, p_t + D] with a Gaussian around p_t.",
        "zh": "每个查询只能看自身前后 r 个位置内的键（灰色格子被屏蔽）；窗口内的权重仍然是软的。Transformer 论文（Vaswani 等 2017，表 1）称之为**受限**自注意力：它只需 `O(r·n·d)` 而不是 `O(n²·d)` 次运算，但远处的词需要经过好几层才能被看到。Luong 等 2015 把以查询自身位置为中心的窗口称为 *local-m*；他们的 *local-p* 先预测窗口中心，即对齐位置 `p_t = S·sigmoid(v_pᵀ tanh(W_p h_t))`，再以 p_t 为中心加高斯权重，只看 [p_t − D, p_t + D]。",
    },
    "lesson3_two_questions": {
        "en": "Two different questions: **soft vs hard** (Xu et al. 2015) is about *how* the weights are made — a distribution over the keys, or one sampled choice. **Global vs local** (Luong et al. 2015) is about *which* keys are scored — all of them, or a window. Local attention is soft inside its window; hard attention chooses among all keys.",
        "zh": "这是两个不同的问题：**软 vs 硬**（Xu 等 2015）问的是权重*怎样*产生——对各个键的一个分布，还是采样出的一个选择。**全局 vs 局部**（Luong 等 2015）问的是*哪些*键参与打分——全部，还是一个窗口。局部注意力在窗口内是软的；硬注意力则在全部键中做选择。",
    },
    "lesson3_restricted_notes_say": {
        "en": "the complexity table lists \"严格的自注意力\" (strict self-attention): a query only computes with its r nearest neighbours.",
        "zh": "复杂度表中列出“严格的自注意力”：query 只跟最近的 r 个邻居计算。",
    },
    "lesson3_restricted_in_fact": {
        "en": "the paper's row is `Self-Attention (restricted)` (Vaswani et al. 2017, Table 1): restricted (受限) self-attention, i.e. local attention with a window of size r. Nothing about it is stricter; it simply sees less.",
        "zh": "论文中的那一行是 `Self-Attention (restricted)`（Vaswani 等 2017，表 1），应译为**受限**自注意力，即窗口大小为 r 的局部注意力。它并不更“严格”，只是看到的更少。",
    },
    "lesson3_hard_local_notes_say": {
        "en": "soft attention is global attention and hard attention is local attention (\"Hard/Local Attention\"), and hard attention saves time and computation.",
        "zh": "软注意即全局注意，硬注意即局部注意（“Hard/Local Attention”），并且硬注意可以减少时间和计算成本。",
    },
    "lesson3_hard_local_in_fact": {
        "en": "soft/hard (Xu et al. 2015) and global/local (Luong et al. 2015) are two separate distinctions: local attention is soft inside a window. Hard attention still scores every key (see the counts above); only the sum over the values gets smaller.",
        "zh": "软/硬（Xu 等 2015）与全局/局部（Luong 等 2015）是两种独立的区分：局部注意力在窗口内是软的。硬注意力仍然要给每个键打分（见上面的计数）；变少的只有对值的求和。",
    },
    "lesson3_local_title": {"en": "Local attention, r = {r}", "zh": "局部注意力，r = {r}"},
    "lesson3_sec_general": {"en": "Self-attention vs cross-attention", "zh": "自注意力 vs 交叉注意力"},
    "lesson3_general_text": {
        "en": "In **self-attention** queries, keys and values are all computed from the same sentence X, each with its own matrix (W_Q, W_K, W_V). In **cross-attention** (encoder–decoder attention; the notes call it \"general attention\", 一般注意力) the queries come from another sequence Y — in translation, the decoder's words ask questions of the encoder's. Below, this head's own W_Q and W_K are applied to a second sentence (queries) and to the first (keys): the head was trained for self-attention, so read this as the mechanics, not as a trained cross-attention.",
        "zh": "在**自注意力**中，查询、键、值都由同一个句子 X 计算而来，各用自己的矩阵（W_Q、W_K、W_V）。在**交叉注意力**（编码器-解码器注意力；笔记中称为“一般注意力”）中，查询来自另一个序列 Y——例如翻译时，解码器的词向编码器的词发问。下面把这个头自己的 W_Q 和 W_K 分别用在第二个句子（查询）和第一个句子（键）上：这个头是为自注意力训练的，所以请把它看作计算过程的演示，而不是训练过的交叉注意力。",
    },
    "lesson3_self_notes_say": {
        "en": "when the inputs are equal, Q = K = V (or Q, K, V come from the same X), it is self-attention; when Q, K and V are not equal it is \"general attention\" (attention-mechanism.txt).",
        "zh": "当输入的 Q = K = V 时（或者 Q、K、V 来自于同一个 X），称作自注意力；当 Q、K、V 不相等时称为一般注意力（attention-mechanism.txt）。",
    },
    "lesson3_self_in_fact": {
        "en": "self-attention means Q, K and V come from the same X, by three different matrices: Q = XW_Q, K = XW_K, V = XW_V, which are not equal (Lesson 5 shows what happens if Q = K). Equal Q, K, V are not self-attention, and unequal ones are not another kind: what makes attention \"cross\" is where the queries come from (another sequence).",
        "zh": "自注意力是指 Q、K、V 来自同一个 X，经三个不同的矩阵得到：Q = XW_Q，K = XW_K，V = XW_V，它们并不相等（第 5 课展示 Q = K 时会怎样）。Q、K、V 相等并不是自注意力的定义，不相等也不构成另一类注意力：决定是否为“交叉”注意力的是查询从哪里来（另一个序列）。",
    },
    "lesson3_self_label": {"en": "self-attention: Q, K, V from the same X", "zh": "自注意力：Q、K、V 都来自 X"},
    "lesson3_cross_label": {"en": "cross-attention: Q from Y, K and V from X", "zh": "交叉注意力：Q 来自 Y，K 和 V 来自 X"},
    "lesson3_other": {"en": "Second sentence Y (gives the queries)", "zh": "第二个句子 Y（提供查询）"},
    "lesson3_general_shapes": {
        "en": "Y has {m} tokens and X has {n}: the weight matrix is [{m}, {n}] — not square any more.",
        "zh": "Y 有 {m} 个 token，X 有 {n} 个：权重矩阵是 [{m}, {n}]——不再是方阵。",
    },
    "lesson3_general_title": {"en": "Queries from Y, keys from X: layer {layer}, head {head}", "zh": "查询来自 Y，键来自 X：第 {layer} 层，第 {head} 个头"},
    "lesson3_general_keys": {"en": "keys (sentence X)", "zh": "键（句子 X）"},
    "lesson3_general_queries": {"en": "queries (sentence Y)", "zh": "查询（句子 Y）"},
    "lesson3_bucket_0": {"en": "less than 25 %", "zh": "少于 25%"},
    "lesson3_bucket_1": {"en": "25 % to 50 %", "zh": "25% 到 50%"},
    "lesson3_bucket_2": {"en": "50 % to 75 %", "zh": "50% 到 75%"},
    "lesson3_bucket_3": {"en": "more than 75 %", "zh": "多于 75%"},
    "lesson3_q_prompt": {
        "en": "Hard attention with k = 1 keeps one key for **{token}** in layer {layer}, head {head}. How much of its soft weight does it throw away?",
        "zh": "在第 {layer} 层第 {head} 个头中，k = 1 的硬注意力只为 **{token}** 保留一个键。它丢弃了多少软权重？",
    },
    "lesson3_q_explain": {
        "en": "The soft weights of \"{token}\" outside its best key add up to {percent} %: that much of what the head would have mixed in is lost.",
        "zh": "“{token}”在最佳键之外的软权重合计为 {percent}%：该头本来会混入的这部分信息被丢掉了。",
    },
}
