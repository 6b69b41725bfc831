"""Strings of Lesson 6."""

STRINGS = {
    "lesson6_numbers": {
        "en": "The sinusoids are computed from the paper's formula (no model involved). The shuffled sentences run layer 0 of the bundled model {name} on its own embeddings, with and without its position vectors, and W_pos is that model's learned matrix.",
        "zh": "正弦波由论文中的公式直接算出（不涉及任何模型）。打乱句子一节用内置模型 {name} 的第 0 层，在它自己的词嵌入上计算，分别带与不带它的位置向量；W_pos 是该模型学到的矩阵。",
    },
    "lesson6_intro": {
        "en": "Attention compares every token with every other, but nothing in softmax(QKᵀ/√d)V knows which token came first. Word order has to be added to the input: with sinusoids (the Transformer paper) or with learned vectors (this model).",
        "zh": "注意力把每个 token 与其他所有 token 比较，但 softmax(QKᵀ/√d)V 中没有任何东西知道哪个 token 在前。词序必须加到输入里：用正弦波（Transformer 论文）或用学习得到的向量（本模型）。",
    },
    "lesson6_sec_sinusoid": {"en": "The sinusoidal encoding", "zh": "正弦位置编码"},
    "lesson6_sinusoid_text": {
        "en": "Each position gets a vector of d_model numbers (512 in the paper): pairs of sine and cosine waves whose wavelength grows from 2π to 10000·2π along the dimensions. Early dimensions change fast with the position, late ones slowly — like the hands of a clock. The vector is added to the token's embedding.",
        "zh": "每个位置得到一个 d_model 维向量（论文中为 512 维）：由成对的正弦和余弦波组成，波长沿维度从 2π 增长到 10000·2π。靠前的维度随位置变化很快，靠后的很慢——就像钟表的指针。这个向量被加到 token 的词嵌入上。",
    },
    "lesson6_n": {"en": "Positions", "zh": "位置数"},
    "lesson6_d": {"en": "d_model", "zh": "d_model"},
    "lesson6_sinusoid_title": {"en": "PE for {n} positions × {d} dimensions", "zh": "{n} 个位置 × {d} 维的位置编码"},
    "lesson6_dimension": {"en": "dimension", "zh": "维度"},
    "lesson6_position": {"en": "position", "zh": "位置"},
    "lesson6_similarity_text": {
        "en": "The dot product PE(p)·PE(p′) between two positions depends only on their distance p′ − p: the bands run parallel to the diagonal. Nearby positions are similar, and a fixed offset looks the same everywhere in the sentence.",
        "zh": "两个位置 p、p′ 的点积只取决于它们的距离 p′ − p：条纹与对角线平行。相邻位置相似，而固定的偏移在句子中任何地方看起来都一样。",
    },
    "lesson6_similarity_title": {"en": "Dot product between positions", "zh": "位置之间的点积"},
    "lesson6_sec_permutation": {"en": "Attention without positions", "zh": "没有位置信息的注意力"},
    "lesson6_permutation_text": {
        "en": "Layer 0 of the model, computed from its embeddings twice: with and without its position vectors. Shuffle the words (the [CLS] and [SEP] stay in place). Without positions the shuffled sentence gets exactly the same weights, only moved with the words; with positions the weights change.",
        "zh": "模型第 0 层，由词嵌入计算两次：带位置向量和不带位置向量。把词打乱（[CLS] 和 [SEP] 保持原位）。没有位置信息时，打乱后的句子得到完全相同的权重，只是随词一起移动；有位置信息时，权重会改变。",
    },
    "lesson6_head": {"en": "Head of layer 0", "zh": "第 0 层的头"},
    "lesson6_seed": {"en": "Shuffle (seed)", "zh": "打乱（种子）"},
    "lesson6_original": {"en": "original", "zh": "原句"},
    "lesson6_shuffled": {"en": "shuffled", "zh": "打乱后"},
    "lesson6_error_without": {"en": "max |A′ − P·A·Pᵀ| without positions", "zh": "无位置信息时 max |A′ − P·A·Pᵀ|"},
    "lesson6_error_with": {"en": "max |A′ − P·A·Pᵀ| with the model's positions", "zh": "带模型位置向量时 max |A′ − P·A·Pᵀ|"},
    "lesson6_map_original": {"en": "No positions, original order: layer 0, head {head}", "zh": "无位置信息，原顺序：第 0 层，第 {head} 个头"},
    "lesson6_map_shuffled": {"en": "No positions, shuffled: layer 0, head {head}", "zh": "无位置信息，打乱后：第 0 层，第 {head} 个头"},
    "lesson6_sec_learned": {"en": "The model's learned positions", "zh": "模型学到的位置向量"},
    "lesson6_learned_text": {
        "en": "This model (like BERT) does not use sinusoids: it learned one vector per position, a matrix W_pos of {max} rows × {d} numbers (its d_model; the paper's is 512), trained with the rest of the model. Their cosine similarity also falls off with distance — training found a similar solution.",
        "zh": "本模型（与 BERT 一样）不用正弦波：它为每个位置学习一个向量，即 {max} 行 × {d} 列的矩阵 W_pos（{d} 是它的 d_model；论文中为 512），与模型其他部分一起训练。它们的余弦相似度同样随距离下降——训练找到了类似的解。",
    },
    "lesson6_learned_title": {"en": "W_pos: the first {n} positions", "zh": "W_pos：前 {n} 个位置"},
    "lesson6_learned_range": {
        "en": "Colours span ±{limit}: the 1st to 99th percentile of these values, made symmetric, so that one outlier does not wash out the rest. {clipped} of {total} values lie beyond and are drawn in the end colours; the largest is {largest} (position {position}, dimension {dimension}).",
        "zh": "颜色范围为 ±{limit}：取这些数值的第 1 到第 99 百分位数并使其对称，以免一个离群值把其余部分冲淡。{total} 个数值中有 {clipped} 个超出该范围，以两端的颜色显示；最大的是 {largest}（位置 {position}，维度 {dimension}）。",
    },
    "lesson6_learned_similarity_title": {"en": "Cosine similarity between learned positions", "zh": "学习到的位置向量之间的余弦相似度"},
    "lesson6_q_prompt": {
        "en": "Run the shuffled sentence through layer 0 **with** the model's position vectors. Are its weights just a shuffled copy of the original's?",
        "zh": "把打乱后的句子**连同**模型的位置向量一起送入第 0 层。它的权重只是原句权重的打乱版吗？",
    },
    "lesson6_q_explain": {
        "en": "With positions the largest difference from the shuffled copy is {error}: the position vectors moved with the slots, not with the words, so the model sees a different sentence.",
        "zh": "带位置信息时，与打乱版的最大差异是 {error}：位置向量跟着位置走，而不是跟着词走，所以模型看到的是一个不同的句子。",
    },
}
