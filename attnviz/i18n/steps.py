"""Strings of the Step-by-step page (attnviz.analysis.steps, attnviz.plots.steps, pages/step_by_step.py)."""

STRINGS: dict[str, dict[str, str]] = {
    # errors (attnviz.errors, raised by attnviz.analysis)
    "steps_err_position": {
        "en": "The {name} {value} does not exist here: pick one from 0 to {n} − 1.",
        "zh": "{name} {value} 不存在：请在 0 到 {n} − 1 之间选择。",
    },
    "steps_err_temperature": {
        "en": "The temperature must be a positive number, got {value}.",
        "zh": "温度必须是正数，当前为 {value}。",
    },
    "steps_err_mismatch": {
        "en": "This capture was not made by this model: its {field} is {capture}, the model's is {model}. Capture the text again with the model you pass.",
        "zh": "这份捕获不是由该模型生成的：它的 {field} 为 {capture}，而模型的为 {model}。请用传入的模型重新捕获这段文本。",
    },
    # navigation and the Explorer's link
    "steps_page": {"en": "Step by step", "zh": "逐步计算"},
    "steps_link": {
        "en": "Open layer {layer}, head {head} step by step",
        "zh": "逐步查看第 {layer} 层第 {head} 个头的计算",
    },
    # page header and controls
    "steps_title": {"en": "Inside one head, step by step", "zh": "走进一个注意力头：逐步计算"},
    "steps_intro": {
        "en": "Scaled dot-product attention of one head, computed in order with the model's own numbers: every vector and matrix below is the one the model used, and each step says how closely it recomputes what the model captured.",
        "zh": "用模型自己的数字，按顺序计算一个注意力头的缩放点积注意力：下面每个向量和矩阵都是模型实际使用的那个，每一步都会说明它与模型记录下的结果相差多少。",
    },
    "steps_query_token": {"en": "Query token", "zh": "查询 token"},
    "steps_show_tables": {"en": "Show the full tables of numbers", "zh": "显示完整的数字表格"},
    "steps_tab_steps": {"en": "The seven steps", "zh": "七个步骤"},
    "steps_tab_scale": {"en": "Why divide by √d_k", "zh": "为什么除以 √d_k"},
    "steps_tab_masks": {"en": "Masks", "zh": "掩码"},
    "steps_tab_heads": {"en": "All heads of the layer", "zh": "该层的所有头"},
    "steps_where": {
        "en": "Layer {layer}, head {head}, query token at position {query}. Hover over any cell to read its value.",
        "zh": "第 {layer} 层，第 {head} 个头，查询 token 位于位置 {query}。把鼠标移到任一格上即可读出数值。",
    },
    # the seven steps
    "steps_step1": {"en": "1 · The input: x and X", "zh": "1 · 输入：x 与 X"},
    "steps_step1_text": {
        "en": "X holds one row per token: the residual stream entering layer {layer} (the embeddings for layer 0, otherwise the previous block's output). x is the query token's row.",
        "zh": "X 的每一行对应一个 token：它是进入第 {layer} 层的残差流（第 0 层是嵌入，其余层是上一个块的输出）。x 是查询 token 的那一行。",
    },
    "steps_step2": {"en": "2 · Projections: q, K and V", "zh": "2 · 投影：q、K 与 V"},
    "steps_step2_text": {
        "en": "This head's slices of the projection matrices: {d_model} × {d_head}, columns {start}–{end} of the full matrices. Recomputing x·W + b for every token gives the captured q, K and V within {err:.1e}.",
        "zh": "本头在投影矩阵中的切片：{d_model} × {d_head}，即完整矩阵的第 {start}–{end} 列。对每个 token 重新计算 x·W + b，与记录的 q、K、V 相差不超过 {err:.1e}。",
    },
    "steps_step3": {"en": "3 · Dot products and scaling", "zh": "3 · 点积与缩放"},
    "steps_step3_text": {
        "en": "One score per key token: how well the query matches that key. The formula shows the largest one, key position {top}.",
        "zh": "每个键 token 一个分数：查询与该键的匹配程度。公式中给出的是最大的那个，键位置 {top}。",
    },
    "steps_step4": {"en": "4 · The mask", "zh": "4 · 掩码"},
    "steps_step4_text": {
        "en": "The mask adds 0 where the query may attend and −∞ where it may not (grey). The model uses the most negative float32 number (about −3.4·10³⁸) for −∞, so that exp gives exactly 0 and no NaN can appear.",
        "zh": "掩码在允许关注的位置加 0，在不允许的位置（灰色）加 −∞。模型用最小的 float32 数（约 −3.4·10³⁸）代替 −∞，这样 exp 的结果恰好是 0，也不会出现 NaN。",
    },
    "steps_step5": {"en": "5 · Softmax", "zh": "5 · Softmax"},
    "steps_step5_text": {
        "en": "Subtracting the largest score m first changes nothing (numerator and denominator are both multiplied by e^(−m)) but keeps exp from overflowing. The weights equal the captured attention pattern within {err:.1e}.",
        "zh": "先减去最大分数 m 不会改变结果（分子和分母同时乘以 e^(−m)），却能防止 exp 溢出。这些权重与记录的注意力模式相差不超过 {err:.1e}。",
    },
    "steps_step6": {"en": "6 · The weighted sum of the values", "zh": "6 · 对值向量加权求和"},
    "steps_step6_text": {
        "en": "The head's output for this token mixes the value vectors by the weights. It equals the captured z within {err:.1e}.",
        "zh": "本头对该 token 的输出按权重混合各个值向量，与记录的 z 相差不超过 {err:.1e}。",
    },
    "steps_step7": {"en": "7 · All heads together: W_O, residual, LayerNorm", "zh": "7 · 所有头合在一起：W_O、残差与 LayerNorm"},
    "steps_step7_text": {
        "en": "The z of every head side by side make a {n} × {width} matrix; times W_O it becomes {n} × {d_model}, added to X, then normalised (BERT puts LayerNorm after the residual). For all tokens this recomputes the captured attention output within {err_out:.1e} and the block's normalised stream within {err_mid:.1e}. The strips show the query token's row.",
        "zh": "所有头的 z 并排拼成 {n} × {width} 的矩阵；乘以 W_O 后变为 {n} × {d_model}，加上 X，再做归一化（BERT 把 LayerNorm 放在残差之后）。对所有 token 重新计算，注意力输出与记录值相差不超过 {err_out:.1e}，归一化后的残差流相差不超过 {err_mid:.1e}。条带显示的是查询 token 那一行。",
    },
    "steps_concat_title": {"en": "z of every head (one row each)", "zh": "每个头的 z（每行一个头）"},
    "steps_attn_out_title": {"en": "concat · W_O + b_O [{d_model}]", "zh": "拼接 · W_O + b_O [{d_model}]"},
    "steps_resid_sum_title": {"en": "x + attention output", "zh": "x + 注意力输出"},
    "steps_resid_mid_title": {"en": "LayerNorm(x + attention output)", "zh": "LayerNorm（x + 注意力输出）"},
    # why √d_k
    "steps_scale_intro": {
        "en": "Turn the scaling off or change the temperature T and watch this head's weights for the chosen query: a larger spread of scores makes the softmax peakier.",
        "zh": "关闭缩放或改变温度 T，观察本头对所选查询的权重：分数越分散，softmax 越尖锐。",
    },
    "steps_scale_toggle": {"en": "Divide by √{d_head}", "zh": "除以 √{d_head}"},
    "steps_temperature": {"en": "Temperature T", "zh": "温度 T"},
    "steps_entropy_model": {"en": "Entropy, model (bits)", "zh": "熵，模型（比特）"},
    "steps_entropy_variant": {"en": "Entropy, this setting (bits)", "zh": "熵，当前设置（比特）"},
    "steps_max_model": {"en": "Largest weight, model", "zh": "最大权重，模型"},
    "steps_max_variant": {"en": "Largest weight, this setting", "zh": "最大权重，当前设置"},
    "steps_entropy_note": {
        "en": "Entropy 0 means all weight on one key; spreading it evenly over the allowed keys would give {bits:.4f} bits.",
        "zh": "熵为 0 表示全部权重落在一个键上；把权重平均分给所有允许的键则是 {bits:.4f} 比特。",
    },
    "steps_model_weights": {"en": "model", "zh": "模型"},
    "steps_variant_weights": {"en": "this setting", "zh": "当前设置"},
    "steps_variant_title": {"en": "This head's weights for the query token", "zh": "本头对该查询 token 的权重"},
    "steps_growth_text": {
        "en": "Random vectors with entries of mean 0 and variance 1: their dot product is a sum of d_k terms, so its spread grows like √d_k. Dividing by √d_k brings it back to 1. (Sampled, 2000 pairs per width.)",
        "zh": "取各分量均值为 0、方差为 1 的随机向量：它们的点积是 d_k 项之和，其离散程度按 √d_k 增长；除以 √d_k 后又回到 1。（随机抽样，每个维度 2000 对。）",
    },
    "steps_saturation_text": {
        "en": "One random query against 16 random keys: without scaling, the largest weight goes to 1 as d_k grows and the softmax's gradient (the norm of its Jacobian) goes to 0, so learning stalls. With scaling both stay put.",
        "zh": "一个随机查询对 16 个随机键：不缩放时，随着 d_k 增大，最大权重趋于 1，softmax 的梯度（雅可比矩阵的范数）趋于 0，学习便停滞了；缩放后两者都保持稳定。",
    },
    # masks
    "steps_mask_none": {"en": "No mask", "zh": "无掩码"},
    "steps_mask_padding": {"en": "Padding mask", "zh": "填充掩码"},
    "steps_mask_causal": {"en": "Causal mask", "zh": "因果掩码"},
    "steps_mask_own": {"en": "Your own mask", "zh": "自定义掩码"},
    "steps_none_text": {
        "en": "An encoder lets every token attend to every token: the mask term is 0 everywhere. This is the head as the model ran it.",
        "zh": "编码器允许每个 token 关注所有 token：掩码项处处为 0。这就是模型实际运行时的这个头。",
    },
    "steps_pad_intro": {
        "en": "Two sentences of different lengths run as one batch: the shorter one is filled up with [PAD] tokens, and the padding mask hides them as keys. The batch is your first sentence and the sentence typed below; the second-sentence field above is not used here.",
        "zh": "把两个长度不同的句子作为一个批次运行：较短的句子用 [PAD] token 补齐，填充掩码把它们作为键屏蔽掉。批次由你的第一个句子和下面输入的句子组成；上方的“第二个句子”一栏在这里不起作用。",
    },
    "steps_pad_other": {"en": "Second sentence of the batch", "zh": "批次中的第二个句子"},
    "steps_pad_empty": {"en": "Type a second sentence to build the batch.", "zh": "请输入第二个句子来组成批次。"},
    "steps_pad_same": {
        "en": "Both sentences have {n} tokens, so nothing is padded: make one of them shorter.",
        "zh": "两个句子都有 {n} 个 token，因此不需要填充：请把其中一个改短。",
    },
    "steps_pad_text": {
        "en": "The shorter sentence has {n_real} tokens; the batch is {n_total} long, so it gets {n_pad} [PAD] tokens. Query position {query}:",
        "zh": "较短的句子有 {n_real} 个 token；批次长度为 {n_total}，因此补了 {n_pad} 个 [PAD]。查询位置 {query}：",
    },
    "steps_pad_max_weight": {"en": "Largest weight on a [PAD] key", "zh": "[PAD] 键上的最大权重"},
    "steps_pad_pattern_diff": {"en": "Max |Δ| of real weights vs unpadded", "zh": "真实 token 权重与未填充时的最大差"},
    "steps_pad_resid_diff": {"en": "Max |Δ| of final outputs vs unpadded", "zh": "最终输出与未填充时的最大差"},
    "steps_pad_padded": {"en": "in the padded batch", "zh": "填充后的批次中"},
    "steps_pad_alone": {"en": "run alone", "zh": "单独运行"},
    "steps_pad_compare_title": {"en": "Real tokens: padded batch vs run alone", "zh": "真实 token：填充批次与单独运行"},
    "steps_causal_text": {
        "en": "What a decoder would see: query i may attend only to keys 0..i. The lower-triangular mask is applied to this encoder head's own scores and the softmax is recomputed (the model itself is not rerun).",
        "zh": "解码器会看到什么：查询 i 只能关注键 0..i。把下三角掩码作用在这个编码器头自己的分数上，重新计算 softmax（模型本身不重新运行）。",
    },
    "steps_causal_future": {
        "en": "Weight query {query} put on later tokens",
        "zh": "查询 {query} 原本放在后面 token 上的权重",
    },
    "steps_encoder_weights": {"en": "encoder (as run)", "zh": "编码器（实际运行）"},
    "steps_decoder_weights": {"en": "with the causal mask", "zh": "加上因果掩码"},
    "steps_causal_compare_title": {"en": "Query {query}: encoder vs causal", "zh": "查询 {query}：编码器与因果掩码"},
    "steps_causal_map_title": {
        "en": "Layer {layer}, head {head} with a causal mask",
        "zh": "第 {layer} 层，第 {head} 个头，加因果掩码",
    },
    "steps_own_text": {
        "en": "Pick tokens to hide as keys: no query may attend to them, in every layer. The model reruns with that mask.",
        "zh": "选择要作为键屏蔽的 token：在每一层中，任何查询都不能关注它们。模型会带着这个掩码重新运行。",
    },
    "steps_hide": {"en": "Tokens to hide", "zh": "要屏蔽的 token"},
    "steps_hide_prompt": {"en": "Pick one or more tokens above to hide them.", "zh": "请在上方选择一个或多个 token 来屏蔽。"},
    "steps_hidden_weight": {"en": "Largest weight on a hidden key (all layers)", "zh": "被屏蔽键上的最大权重（所有层）"},
    "steps_hidden_before": {
        "en": "Weight query {query} put there before",
        "zh": "查询 {query} 原先放在那里的权重",
    },
    "steps_min_cosine": {"en": "Lowest cosine similarity", "zh": "最低余弦相似度"},
    "steps_unmasked_weights": {"en": "without the mask", "zh": "不加掩码"},
    "steps_masked_weights": {"en": "with your mask", "zh": "加上你的掩码"},
    "steps_own_compare_title": {"en": "Query {query}: before and after hiding", "zh": "查询 {query}：屏蔽前后"},
    "steps_cosine_text": {
        "en": "How much each token's final-layer output changed: cosine similarity with the unmasked run (1 = same direction).",
        "zh": "每个 token 在最后一层的输出变了多少：与不加掩码时的余弦相似度（1 表示方向相同）。",
    },
    "steps_cosine_title": {"en": "Final layer: masked vs unmasked run", "zh": "最后一层：加掩码与不加掩码"},
    # all heads
    "steps_heads_text": {
        "en": "Every head of layer {layer} for the query token at position {query}: one row per head, its weights over the keys.",
        "zh": "第 {layer} 层的每个头对位置 {query} 的查询 token：每行一个头，是它在各个键上的权重。",
    },
    "steps_heads_title": {"en": "Layer {layer}, query {query}: weights of every head", "zh": "第 {layer} 层，查询 {query}：每个头的权重"},
    "steps_js_text": {
        "en": "How different the heads are: the Jensen–Shannon distance between two rows (0 = same weights, 1 = no key in common). Most alike: heads {a} and {b} ({d_close:.3f}); most different: heads {c} and {e} ({d_far:.3f}).",
        "zh": "各个头有多不同：两行之间的 Jensen–Shannon 距离（0 表示权重相同，1 表示没有共同的键）。最相似：头 {a} 和头 {b}（{d_close:.3f}）；差异最大：头 {c} 和头 {e}（{d_far:.3f}）。",
    },
    "steps_js_title": {"en": "Jensen–Shannon distance between heads", "zh": "头与头之间的 Jensen–Shannon 距离"},
    # plots
    "steps_component": {"en": "component", "zh": "分量"},
    "steps_value": {"en": "value", "zh": "数值"},
    "steps_mask_term": {"en": "mask term", "zh": "掩码项"},
    "steps_std": {"en": "standard deviation", "zh": "标准差"},
    "steps_std_raw": {"en": "q · k", "zh": "q · k"},
    "steps_std_scaled": {"en": "q · k / √d_k", "zh": "q · k / √d_k"},
    "steps_growth_title": {"en": "Dot products of random vectors grow with d_k", "zh": "随机向量的点积随 d_k 增长"},
    "steps_max_weight": {"en": "largest softmax weight", "zh": "softmax 最大权重"},
    "steps_grad_norm": {"en": "gradient size (norm of the Jacobian)", "zh": "梯度大小（雅可比矩阵的范数）"},
    "steps_unscaled": {"en": "softmax(q · k)", "zh": "softmax(q · k)"},
    "steps_scaled": {"en": "softmax(q · k / √d_k)", "zh": "softmax(q · k / √d_k)"},
    "steps_saturation_title": {"en": "Without scaling the softmax saturates", "zh": "不缩放时 softmax 会饱和"},
    "steps_this_model": {"en": "this model: d_k = {d_head}", "zh": "本模型：d_k = {d_head}"},
    "steps_js_distance": {"en": "Jensen–Shannon distance", "zh": "Jensen–Shannon 距离"},
    "steps_cosine": {"en": "cosine similarity", "zh": "余弦相似度"},
    # decoders on this page: pre-norm input, RoPE, grouped-query attention, the causal mask
    "steps_decoder_note": {
        "en": "{name}: a pre-norm decoder with {norm}{rope}. The same seven steps, with the causal mask in step 4.",
        "zh": "{name}：前置归一化的解码器，使用 {norm}{rope}。同样的七步，第 4 步使用因果掩码。",
    },
    "steps_with_rope": {"en": " and RoPE", "zh": " 和 RoPE"},
    "steps_step1_text_decoder": {
        "en": "In a pre-norm decoder the attention of layer {layer} reads the residual stream through the block's first {norm}: X = {norm}(resid_pre), computed here with the block's own weights.",
        "zh": "在前置归一化的解码器中，第 {layer} 层的注意力通过该块的第一个 {norm} 读取残差流：X = {norm}（resid_pre），这里用该块自己的权重计算。",
    },
    "steps_rmsnorm_text": {
        "en": "RMSNorm (Zhang & Sennrich 2019) divides by the root mean square only: no mean subtracted, no bias. Here RMS(resid_pre) = {rms}.",
        "zh": "RMSNorm（Zhang 和 Sennrich，2019）只除以均方根：不减均值，没有偏置。此处 RMS（resid_pre）= {rms}。",
    },
    "steps_gqa_text": {
        "en": "Grouped-query attention: query head {head} reads key/value head {kv}, which query heads {heads} share ({n_heads} query heads, {n_kv} key/value heads). K and V below are that shared head's.",
        "zh": "分组查询注意力：第 {head} 个查询头读取第 {kv} 个键/值头，查询头 {heads} 共享它（{n_heads} 个查询头，{n_kv} 个键/值头）。下面的 K 和 V 属于这个共享的头。",
    },
    "steps_rope_head": {"en": "q and k before and after RoPE", "zh": "RoPE 前后的 q 和 k"},
    "steps_rope_text": {
        "en": "RoPE (Su et al. 2021) turns each dimension pair (i, i + {half}) of q and k by an angle proportional to the position, so q·k depends on the two positions only through their distance. The projection above gives q and k before the rotation; steps 3–6 use them after it. Key for the comparison:",
        "zh": "RoPE（Su 等，2021）把 q 和 k 的每对维度 i 与 i + {half} 按与位置成正比的角度旋转，于是 q·k 只通过两个位置之间的距离依赖于位置。上面的投影给出旋转前的 q 和 k；第 3–6 步用的是旋转后的。用于比较的键：",
    },
    "steps_rope_at_query": {"en": "at the query's position", "zh": "查询所在位置"},
    "steps_rope_at_key": {"en": "at the key's position", "zh": "键所在位置"},
    "steps_rope_pairs_title": {"en": "Rotation of each dimension pair", "zh": "每对维度的旋转角度"},
    "steps_rope_vectors_title": {"en": "q and k before and after the rotation", "zh": "旋转前后的 q 和 k"},
    "steps_rope_scores_title": {"en": "Scores q·kⱼ/√d_head before and after RoPE", "zh": "RoPE 前后的分数 q·kⱼ/√d_head"},
    "steps_score": {"en": "score", "zh": "分数"},
    "steps_rope_before": {"en": "before RoPE", "zh": "RoPE 之前"},
    "steps_rope_after": {"en": "after RoPE (used)", "zh": "RoPE 之后（实际使用）"},
    "steps_rope_norms": {
        "en": "A rotation keeps lengths: |q| = {q_before} before, {q_after} after; |k| = {k_before} before, {k_after} after.",
        "zh": "旋转不改变长度：|q| 旋转前为 {q_before}，旋转后为 {q_after}；|k| 旋转前为 {k_before}，旋转后为 {k_after}。",
    },
    "steps_causal_step4": {
        "en": "A decoder's causal mask: query {query} may attend to keys 0…{query} only; the {later} later keys get −∞ and weight 0.",
        "zh": "解码器的因果掩码：查询 {query} 只能关注键 0…{query}；之后的 {later} 个键被设为 −∞，权重为 0。",
    },
    "steps_step7_text_decoder": {
        "en": "The {n} rows of concat have width {width}; W_O maps them back to d_model = {d_model} (max difference from the capture {err_out}). A pre-norm block adds without normalising: resid_mid = resid_pre + attn_out (max difference {err_mid}); its next norm comes before the MLP.",
        "zh": "concat 的 {n} 行宽度为 {width}；W_O 把它们映射回 d_model = {d_model}（与捕获值最大相差 {err_out}）。前置归一化的块相加而不归一化：resid_mid = resid_pre + attn_out（最大相差 {err_mid}）；下一次归一化在 MLP 之前。",
    },
    # the neuron view
    "steps_neuron_head": {"en": "Neuron view: q·k element by element", "zh": "神经元视图：逐元素计算 q·k"},
    "steps_neuron_text": {
        "en": "For one query and one key: the {d_head} products q_c·k_c (red positive, blue negative), their sum q·k, the scale 1/√{d_head}, and the score. Pick the key:",
        "zh": "对一个查询和一个键：{d_head} 个乘积 q_c·k_c（红色为正，蓝色为负）、它们的和 q·k、缩放因子 1/√{d_head}，以及分数。选择键：",
    },
    "steps_neuron_key": {"en": "Key token", "zh": "键 token"},
    "steps_neuron_title": {"en": "q_c · k_c for query {query} and key {key_pos}", "zh": "查询 {query} 与键 {key_pos} 的 q_c · k_c"},
    "steps_neuron_sum": {"en": "sum q·k", "zh": "和 q·k"},
    "steps_neuron_scale": {"en": "scale 1/√d_head", "zh": "缩放 1/√d_head"},
    "steps_neuron_score": {"en": "score s", "zh": "分数 s"},
    "steps_neuron_captured": {
        "en": "The captured raw score of this query and key is {captured} (difference {err}).",
        "zh": "捕获的该查询与键的原始分数为 {captured}（相差 {err}）。",
    },
    "steps_neuron_masked": {"en": "This key comes after the query: the causal mask will hide it in step 4.", "zh": "这个键在查询之后：第 4 步的因果掩码会把它遮住。"},
    "steps_open_journey": {"en": "Follow this token's whole journey →", "zh": "查看这个 token 的完整旅程 →"},
    # present mode: one step per screen, these are the tabs' short titles
    "steps_sec_input": {"en": "1 · Input", "zh": "1 · 输入"},
    "steps_sec_qkv": {"en": "2 · q, K, V", "zh": "2 · q、K、V"},
    "steps_sec_rope": {"en": "RoPE", "zh": "RoPE"},
    "steps_sec_neuron": {"en": "q·k per neuron", "zh": "逐元素 q·k"},
    "steps_sec_scores": {"en": "3 · Scores", "zh": "3 · 分数"},
    "steps_sec_mask": {"en": "4 · Mask", "zh": "4 · 掩码"},
    "steps_sec_softmax": {"en": "5 · Softmax", "zh": "5 · Softmax"},
    "steps_sec_sum": {"en": "6 · Sum", "zh": "6 · 加权和"},
    "steps_sec_heads": {"en": "7 · W_O", "zh": "7 · W_O"},
}
