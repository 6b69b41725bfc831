"""Strings of Lesson 3."""

STRINGS = {
    "lesson3_numbers": {
        "en": "Every number on this page is computed live by the bundled model {name}.",
        "zh": "本页的所有数字都由内置模型 {name} 实时计算得出。",
    },
    "lesson3_intro": {
        "en": "One real head's scores, four ways to turn them into weights. Soft attention keeps every key a little; hard attention keeps only the best; local attention looks only nearby. Then: self-attention vs attention to *another* sentence.",
        "zh": "同一个真实注意力头的分数,四种变成权重的方式。软注意力给每个键一点权重;硬注意力只保留最好的;局部注意力只看附近。然后:自注意力 vs 关注*另一个*句子的注意力。",
    },
    "lesson3_sec_soft": {"en": "Soft (global) attention", "zh": "软(全局)注意力"},
    "lesson3_soft_text": {
        "en": "This is what the model really does: every key gets a weight between 0 and 1, and each row sums to 1. Nothing is thrown away; unimportant keys just get little weight.",
        "zh": "这正是模型实际的做法:每个键得到 0 到 1 之间的权重,每行之和为 1。什么都不丢弃,不重要的键只是权重很小。",
    },
    "lesson3_soft_title": {"en": "Soft: layer {layer}, head {head}", "zh": "软注意力:第 {layer} 层,第 {head} 个头"},
    "lesson3_row_title": {"en": "Weights of \"{token}\" over the keys", "zh": "“{token}”对各个键的权重"},
    "lesson3_sec_hard": {"en": "Hard attention (argmax, top-k)", "zh": "硬注意力(argmax、top-k)"},
    "lesson3_k": {"en": "k (keys kept per query)", "zh": "k(每个查询保留的键数)"},
    "lesson3_hard_text": {
        "en": "Hard attention keeps only the k highest-scoring keys and gives each 1/k; with k = 1 every weight is exactly 0 or 1. It is cheaper and easier to read, but the weight the soft version gave to all other keys is lost, and an argmax has no gradient to learn from.",
        "zh": "硬注意力只保留得分最高的 k 个键,每个给 1/k;k = 1 时每个权重恰好是 0 或 1。它更省计算、也更好解读,但软注意力分给其他键的权重全部丢失,而且 argmax 没有梯度可供学习。",
    },
    "lesson3_discarded": {"en": "soft weight thrown away for \"{token}\"", "zh": "“{token}”被丢弃的软权重"},
    "lesson3_moved": {"en": "change of the head's output for \"{token}\"", "zh": "“{token}”处该头输出的变化"},
    "lesson3_hard_title": {"en": "Hard attention, k = {k}", "zh": "硬注意力,k = {k}"},
    "lesson3_discarded_title": {"en": "Soft weight thrown away, per query token", "zh": "每个查询 token 被丢弃的软权重"},
    "lesson3_discarded_axis": {"en": "weight thrown away", "zh": "丢弃的权重"},
    "lesson3_sec_local": {"en": "Local (restricted) attention", "zh": "局部(受限)注意力"},
    "lesson3_radius": {"en": "Window radius r", "zh": "窗口半径 r"},
    "lesson3_local_text": {
        "en": "Each query may look only at keys within r positions of itself (grey cells are masked). The Transformer paper calls this restricted self-attention: it costs O(r·n·d) instead of O(n²·d), but a word far away needs several layers to be reached.",
        "zh": "每个查询只能看自身前后 r 个位置内的键(灰色格子被屏蔽)。Transformer 论文称之为受限自注意力:代价是 O(r·n·d) 而不是 O(n²·d),但远处的词需要经过好几层才能被看到。",
    },
    "lesson3_local_title": {"en": "Local attention, r = {r}", "zh": "局部注意力,r = {r}"},
    "lesson3_sec_general": {"en": "Self-attention vs general attention", "zh": "自注意力 vs 一般注意力"},
    "lesson3_general_text": {
        "en": "In **self-attention** queries, keys and values all come from the same sentence X. In **general** (cross) attention the queries come from another sequence Y — in translation, the decoder's words ask questions of the encoder's. Below, this head's own W_Q and W_K are applied to a second sentence (queries) and to the first (keys): the head was trained for self-attention, so read this as the mechanics, not as a trained cross-attention.",
        "zh": "在**自注意力**中,查询、键、值都来自同一个句子 X。在**一般**(交叉)注意力中,查询来自另一个序列 Y——例如翻译时,解码器的词向编码器的词发问。下面把这个头自己的 W_Q 和 W_K 分别用在第二个句子(查询)和第一个句子(键)上:这个头是为自注意力训练的,所以请把它看作计算过程的演示,而不是训练过的交叉注意力。",
    },
    "lesson3_other": {"en": "Second sentence Y (gives the queries)", "zh": "第二个句子 Y(提供查询)"},
    "lesson3_general_shapes": {
        "en": "Y has {m} tokens and X has {n}: the weight matrix is [{m}, {n}] — not square any more.",
        "zh": "Y 有 {m} 个 token,X 有 {n} 个:权重矩阵是 [{m}, {n}]——不再是方阵。",
    },
    "lesson3_general_title": {"en": "Queries from Y, keys from X: layer {layer}, head {head}", "zh": "查询来自 Y,键来自 X:第 {layer} 层,第 {head} 个头"},
    "lesson3_general_keys": {"en": "keys (sentence X)", "zh": "键(句子 X)"},
    "lesson3_general_queries": {"en": "queries (sentence Y)", "zh": "查询(句子 Y)"},
    "lesson3_bucket_0": {"en": "less than 25 %", "zh": "少于 25%"},
    "lesson3_bucket_1": {"en": "25 % to 50 %", "zh": "25% 到 50%"},
    "lesson3_bucket_2": {"en": "50 % to 75 %", "zh": "50% 到 75%"},
    "lesson3_bucket_3": {"en": "more than 75 %", "zh": "多于 75%"},
    "lesson3_q_prompt": {
        "en": "Hard attention with k = 1 keeps one key for **{token}** in layer {layer}, head {head}. How much of its soft weight does it throw away?",
        "zh": "在第 {layer} 层第 {head} 个头中,k = 1 的硬注意力只为 **{token}** 保留一个键。它丢弃了多少软权重?",
    },
    "lesson3_q_explain": {
        "en": "The soft weights of \"{token}\" outside its best key add up to {percent} %: that much of what the head would have mixed in is lost.",
        "zh": "“{token}”在最佳键之外的软权重合计为 {percent}%:该头本来会混入的这部分信息被丢掉了。",
    },
}
