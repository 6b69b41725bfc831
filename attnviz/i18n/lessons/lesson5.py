"""Strings of Lesson 5."""

STRINGS = {
    "lesson5_numbers": {
        "en": "Where the numbers come from: the \"as trained\" maps and numbers are the bundled model {name}'s own. The \"shared\" ones apply the head's own trained W_Q (or W_K) to both queries and keys: a variant computed from the model's weights that the model was never trained with.",
        "zh": "数字的来源：“训练所得”的图和数字都来自内置模型 {name} 自己。“共用”的图和数字则把该头训练所得的 W_Q（或 W_K）同时用于查询和键：这是用模型权重算出的变体，模型从未以这种方式训练。",
    },
    "lesson5_intro": {
        "en": "Queries and keys are made from the same tokens by two different matrices, W_Q and W_K. Why not one matrix for both? Replace W_K by W_Q in a real head and see what breaks.",
        "zh": "查询和键由同一批 token 通过两个不同的矩阵 W_Q 和 W_K 得到。为什么不用同一个矩阵？把真实注意力头中的 W_K 换成 W_Q，看看会出什么问题。",
    },
    "lesson5_shared": {"en": "Shared matrix for both sides", "zh": "两侧共用的矩阵"},
    "lesson5_sec_claim": {"en": "The claim", "zh": "论断"},
    "lesson5_claim_text": {
        "en": "With one shared W, the score of i for j equals the score of j for i: the matrix is **symmetric**, so \"it looks for the animal\" and \"the animal looks for it\" must get the same score. And a token's score with itself is its squared length, which tends to beat its score with anything else: tokens **attend to themselves**. Separate matrices let what a token looks for (its query) differ from what it offers (its key).",
        "zh": "共用一个 W 时，i 对 j 的分数等于 j 对 i 的分数：分数矩阵是**对称**的，于是“it 在找 animal”和“animal 在找 it”必须得到相同的分数。而且一个 token 与自身的分数是它长度的平方，往往比与其他任何 token 的分数都大：token 会**关注自己**。分开的矩阵让一个 token“要找什么”（查询）可以不同于“能提供什么”（键）。",
    },
    "lesson5_inputs_notes_say": {
        "en": "in NLP, query and key are usually word embeddings, while value is a contextualised embedding (what-self-attention-does.txt).",
        "zh": "在自然语言处理的背景下，query 和 key 通常被表示为词嵌入，而 value 则表示为上下文嵌入（what-self-attention-does.txt）。",
    },
    "lesson5_inputs_in_fact": {
        "en": "q, k and v of a layer are all computed the same way from the same input x: q = xW_Q + b_Q, k = xW_K + b_K, v = xW_V + b_V. In the first layer x is the embedding (word + position + segment); in later layers it is the contextual residual stream for all three. What becomes more contextual is the head's output, the weighted sum of the values.",
        "zh": "同一层的 q、k、v 都由同一个输入 x 以同样的方式算出：q = xW_Q + b_Q，k = xW_K + b_K，v = xW_V + b_V。第一层的 x 是嵌入（词 + 位置 + 片段嵌入）；之后各层中，三者的 x 都是带上下文的残差流。真正变得更有上下文的是该头的输出，即值的加权和。",
    },
    "lesson5_batch_notes_say": {
        "en": "in the code X = torch.rand(5, 10), \"batch size is 5, feature dimension 10\" (why-separate-wq-wk.txt).",
        "zh": "代码 `X = torch.rand(5, 10)` 中“假设 batch size 为 5，特征维度为 10”（why-separate-wq-wk.txt）。",
    },
    "lesson5_batch_in_fact": {
        "en": "the 5 rows are 5 tokens of one sequence, not a batch: Q·Kᵀ is [5, 5] and its softmax mixes the 5 rows' values, which only makes sense between positions of the same sequence. A batch would be a third dimension, X of shape [batch, 5, 10].",
        "zh": "这 5 行是同一个序列中的 5 个 token，而不是一个 batch：Q·Kᵀ 的形状是 [5, 5]，softmax 之后混合的是这 5 行的值，这只在同一序列的各位置之间才有意义。batch 应是另一维，X 的形状为 [batch, 5, 10]。",
    },
    "lesson5_sec_side": {"en": "This head, side by side", "zh": "这个头，并排对比"},
    "lesson5_side_text": {
        "en": "Left: the head as trained. Right: the same head with W_{side} (and its bias) used for both queries and keys, computed from the same layer input. The model was trained with separate matrices, so the right map is what sharing does to this head's geometry — not a retrained model.",
        "zh": "左：训练好的原始注意力头。右：同一个头，查询和键都用 W_{side}（及其偏置），由同一层输入计算。模型是用分开的矩阵训练的，所以右图展示的是共用矩阵对该头几何结构的影响——而不是重新训练的模型。",
    },
    "lesson5_actual_title": {"en": "As trained: layer {layer}, head {head}", "zh": "训练所得：第 {layer} 层，第 {head} 个头"},
    "lesson5_shared_title": {"en": "Shared W_{side}: layer {layer}, head {head}", "zh": "共用 W_{side}：第 {layer} 层，第 {head} 个头"},
    "lesson5_symmetry_actual": {"en": "symmetry error max|S − Sᵀ| (as trained)", "zh": "对称误差 max|S − Sᵀ|（训练所得）"},
    "lesson5_symmetry_shared": {"en": "symmetry error max|S − Sᵀ| (shared W)", "zh": "对称误差 max|S − Sᵀ|（共用 W）"},
    "lesson5_diagonal_actual": {"en": "mean weight on itself (as trained)", "zh": "对自身的平均权重（训练所得）"},
    "lesson5_diagonal_shared": {"en": "mean weight on itself (shared W)", "zh": "对自身的平均权重（共用 W）"},
    "lesson5_diagonal_shared_q": {"en": "mean weight on itself (shared W_Q)", "zh": "对自身的平均权重（共用 W_Q）"},
    "lesson5_self_argmax_actual": {"en": "tokens attending most to themselves (as trained)", "zh": "最关注自己的 token 比例（训练所得）"},
    "lesson5_self_argmax_shared": {"en": "tokens attending most to themselves (shared W)", "zh": "最关注自己的 token 比例（共用 W）"},
    "lesson5_sec_all": {"en": "Every head of the model", "zh": "模型的每一个头"},
    "lesson5_all_text": {
        "en": "Each point is one head: its mean weight on the diagonal as trained (x) and with W_K replaced by W_Q (y). Points above the dotted line attend more to themselves when sharing: **{grew} of {total}** heads.",
        "zh": "每个点是一个头：训练所得的对角线平均权重（x）和把 W_K 换成 W_Q 后的值（y）。点在虚线之上表示共用矩阵后更关注自己：共 **{total}** 个头中有 **{grew}** 个。",
    },
    "lesson5_all_title": {"en": "Weight on the diagonal: as trained vs shared W_Q", "zh": "对角线权重：训练所得 vs 共用 W_Q"},
    "lesson5_mean_diagonal_actual": {"en": "mean over all heads (as trained)", "zh": "所有头的平均（训练所得）"},
    "lesson5_mean_diagonal_shared": {"en": "mean over all heads (shared W_Q)", "zh": "所有头的平均（共用 W_Q）"},
    "lesson5_up": {"en": "It goes up", "zh": "上升"},
    "lesson5_down": {"en": "It goes down", "zh": "下降"},
    "lesson5_q_prompt": {
        "en": "If layer {layer}, head {head} used one matrix for queries and keys, would the weight tokens put on themselves go up or down?",
        "zh": "如果第 {layer} 层第 {head} 个头的查询和键共用一个矩阵，token 对自身的权重会上升还是下降？",
    },
    "lesson5_q_explain": {
        "en": "Mean weight on the diagonal: {actual} as trained, {shared} with the shared matrix.",
        "zh": "对角线上的平均权重：训练所得为 {actual}，共用矩阵时为 {shared}。",
    },
}
