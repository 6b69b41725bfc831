"""Strings of Lesson 5."""

STRINGS = {
    "lesson5_numbers": {
        "en": "Every number on this page is computed live by the bundled model {name}.",
        "zh": "本页的所有数字都由内置模型 {name} 实时计算得出。",
    },
    "lesson5_intro": {
        "en": "Queries and keys are made from the same tokens by two different matrices, W_Q and W_K. Why not one matrix for both? Replace W_K by W_Q in a real head and see what breaks.",
        "zh": "查询和键由同一批 token 通过两个不同的矩阵 W_Q 和 W_K 得到。为什么不用同一个矩阵?把真实注意力头中的 W_K 换成 W_Q,看看会出什么问题。",
    },
    "lesson5_shared": {"en": "Shared matrix for both sides", "zh": "两侧共用的矩阵"},
    "lesson5_sec_claim": {"en": "The claim", "zh": "论断"},
    "lesson5_claim_text": {
        "en": "With one shared W, the score of i for j equals the score of j for i: the matrix is **symmetric**, so \"it looks for the animal\" and \"the animal looks for it\" must get the same score. And a token's score with itself is its squared length, which tends to beat its score with anything else: tokens **attend to themselves**. Separate matrices let what a token looks for (its query) differ from what it offers (its key).",
        "zh": "共用一个 W 时,i 对 j 的分数等于 j 对 i 的分数:分数矩阵是**对称**的,于是“it 在找 animal”和“animal 在找 it”必须得到相同的分数。而且一个 token 与自身的分数是它长度的平方,往往比与其他任何 token 的分数都大:token 会**关注自己**。分开的矩阵让一个 token“要找什么”(查询)可以不同于“能提供什么”(键)。",
    },
    "lesson5_sec_side": {"en": "This head, side by side", "zh": "这个头,并排对比"},
    "lesson5_side_text": {
        "en": "Left: the head as trained. Right: the same head with W_{side} (and its bias) used for both queries and keys, computed from the same layer input. The model was trained with separate matrices, so the right map is what sharing does to this head's geometry — not a retrained model.",
        "zh": "左:训练好的原始注意力头。右:同一个头,查询和键都用 W_{side}(及其偏置),由同一层输入计算。模型是用分开的矩阵训练的,所以右图展示的是共用矩阵对该头几何结构的影响——而不是重新训练的模型。",
    },
    "lesson5_actual_title": {"en": "As trained: layer {layer}, head {head}", "zh": "训练所得:第 {layer} 层,第 {head} 个头"},
    "lesson5_shared_title": {"en": "Shared W_{side}: layer {layer}, head {head}", "zh": "共用 W_{side}:第 {layer} 层,第 {head} 个头"},
    "lesson5_symmetry_actual": {"en": "symmetry error max|S − Sᵀ| (as trained)", "zh": "对称误差 max|S − Sᵀ|(训练所得)"},
    "lesson5_symmetry_shared": {"en": "symmetry error max|S − Sᵀ| (shared W)", "zh": "对称误差 max|S − Sᵀ|(共用 W)"},
    "lesson5_diagonal_actual": {"en": "mean weight on itself (as trained)", "zh": "对自身的平均权重(训练所得)"},
    "lesson5_diagonal_shared": {"en": "mean weight on itself (shared W)", "zh": "对自身的平均权重(共用 W)"},
    "lesson5_diagonal_shared_q": {"en": "mean weight on itself (shared W_Q)", "zh": "对自身的平均权重(共用 W_Q)"},
    "lesson5_self_argmax_actual": {"en": "tokens attending most to themselves (as trained)", "zh": "最关注自己的 token 比例(训练所得)"},
    "lesson5_self_argmax_shared": {"en": "tokens attending most to themselves (shared W)", "zh": "最关注自己的 token 比例(共用 W)"},
    "lesson5_sec_all": {"en": "Every head of the model", "zh": "模型的每一个头"},
    "lesson5_all_text": {
        "en": "Each point is one head: its mean weight on the diagonal as trained (x) and with W_K replaced by W_Q (y). Points above the dotted line attend more to themselves when sharing: **{grew} of {total}** heads.",
        "zh": "每个点是一个头:训练所得的对角线平均权重(x)和把 W_K 换成 W_Q 后的值(y)。点在虚线之上表示共用矩阵后更关注自己:共 **{total}** 个头中有 **{grew}** 个。",
    },
    "lesson5_all_title": {"en": "Weight on the diagonal: as trained vs shared W_Q", "zh": "对角线权重:训练所得 vs 共用 W_Q"},
    "lesson5_mean_diagonal_actual": {"en": "mean over all heads (as trained)", "zh": "所有头的平均(训练所得)"},
    "lesson5_mean_diagonal_shared": {"en": "mean over all heads (shared W_Q)", "zh": "所有头的平均(共用 W_Q)"},
    "lesson5_up": {"en": "It goes up", "zh": "上升"},
    "lesson5_down": {"en": "It goes down", "zh": "下降"},
    "lesson5_q_prompt": {
        "en": "If layer {layer}, head {head} used one matrix for queries and keys, would the weight tokens put on themselves go up or down?",
        "zh": "如果第 {layer} 层第 {head} 个头的查询和键共用一个矩阵,token 对自身的权重会上升还是下降?",
    },
    "lesson5_q_explain": {
        "en": "Mean weight on the diagonal: {actual} as trained, {shared} with the shared matrix.",
        "zh": "对角线上的平均权重:训练所得为 {actual},共用矩阵时为 {shared}。",
    },
}
