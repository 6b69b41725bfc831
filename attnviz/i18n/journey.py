"""Strings of "One token's journey" (pages/journey.py, attnviz.analysis.journey, attnviz.plots.journey)."""

STRINGS: dict[str, dict[str, str]] = {
    "journey_nav": {"en": "One token's journey", "zh": "一个 token 的旅程"},
    "journey_title": {"en": "One token's journey through the decoder", "zh": "一个 token 穿过解码器的旅程"},
    "journey_intro": {
        "en": "Pick a position: every stage of the forward pass at that token, from its embedding to the sampled next token, each a small figure with the model's own numbers and a link to the page that shows it in detail.",
        "zh": "选择一个位置：从嵌入到采样出的下一个 token，前向计算在这个 token 上的每一步都是一张小图，数字都是模型自己的，并链接到详细讲解该步的页面。",
    },
    "journey_position": {"en": "Position (the token whose journey is shown)", "zh": "位置（展示其旅程的 token）"},
    "journey_top_p": {"en": "top-p (nucleus)", "zh": "top-p（核采样）"},
    "journey_top_p_help": {
        "en": "Keep the smallest set of most probable tokens whose probabilities sum to at least p, then renormalise (Holtzman et al. 2020). 1 keeps every token.",
        "zh": "保留概率之和至少为 p 的最小高概率 token 集合，再重新归一化（Holtzman 等，2020）。1 表示保留全部 token。",
    },
    "journey_where": {
        "en": "Position {pos} (“{token}”), layer {layer}, head {head} in detail; the model has {n_layers} layers.",
        "zh": "详细展示位置 {pos}（“{token}”）、第 {layer} 层、第 {head} 个头；模型共 {n_layers} 层。",
    },
    # the stages
    "journey_s_embed": {"en": "1. Token embedding", "zh": "1. token 嵌入"},
    "journey_s_embed_pos": {"en": "1. Token embedding + position", "zh": "1. token 嵌入 + 位置嵌入"},
    "journey_c_embed_rope": {
        "en": "W_E row {id} ({d_model} numbers). No position vector is added: RoPE turns q and k instead (stage 2).",
        "zh": "W_E 的第 {id} 行（{d_model} 个数）。不加位置向量：改由 RoPE 旋转 q 和 k（第 2 步）。",
    },
    "journey_c_embed_pos": {
        "en": "W_E row {id} + W_pos row {pos} = the stream entering layer 0 (max difference from the capture {err}).",
        "zh": "W_E 的第 {id} 行 + W_pos 的第 {pos} 行 = 进入第 0 层的残差流（与捕获值最大相差 {err}）。",
    },
    "journey_s_qkv": {"en": "2. Q, K, V of one head", "zh": "2. 一个头的 Q、K、V"},
    "journey_c_qkv": {
        "en": "{norm}(resid_pre)·W: q of head {head}; k and v of key/value head {kv}. Recomputed from the weights: max difference {err}.",
        "zh": "{norm}(resid_pre)·W：第 {head} 个头的 q；第 {kv} 个键/值头的 k 和 v。由权重重新计算：最大相差 {err}。",
    },
    "journey_s_scores": {"en": "3. Scores q·kⱼ/√d_head", "zh": "3. 分数 q·kⱼ/√d_head"},
    "journey_c_scores": {"en": "One score per key, up to this position; the largest at key {top}.", "zh": "每个键一个分数（直到本位置）；最大的在键 {top}。"},
    "journey_s_mask": {"en": "4. Causal mask", "zh": "4. 因果掩码"},
    "journey_c_mask": {
        "en": "Query {pos} may attend to keys 0…{pos}; the {later} later keys get −∞.",
        "zh": "查询 {pos} 只能关注键 0…{pos}；之后的 {later} 个键被设为 −∞。",
    },
    "journey_s_softmax": {"en": "5. Softmax: the attention weights", "zh": "5. Softmax：注意力权重"},
    "journey_c_softmax": {
        "en": "The weights sum to 1; the largest, {w}, on key {top}. Same as the captured pattern within {err}.",
        "zh": "权重之和为 1；最大的是 {w}，在键 {top} 上。与捕获的注意力模式相差不超过 {err}。",
    },
    "journey_s_z": {"en": "6. Weighted sum of the values: z", "zh": "6. 值的加权和：z"},
    "journey_c_z": {"en": "z = Σⱼ wⱼ vⱼ ({d_head} numbers); max difference from the capture {err}.", "zh": "z = Σⱼ wⱼ vⱼ（{d_head} 个数）；与捕获值最大相差 {err}。"},
    "journey_s_wo": {"en": "7. All heads' z · W_O = attn_out", "zh": "7. 所有头的 z · W_O = attn_out"},
    "journey_c_wo": {
        "en": "The {n_heads} heads' z side by side, times W_O: {d_model} numbers; max difference from the capture {err}.",
        "zh": "{n_heads} 个头的 z 拼接后乘以 W_O：{d_model} 个数；与捕获值最大相差 {err}。",
    },
    "journey_s_resid": {"en": "8. Residual: resid_mid = resid_pre + attn_out", "zh": "8. 残差：resid_mid = resid_pre + attn_out"},
    "journey_c_resid": {"en": "Attention adds to the stream; it replaces nothing.", "zh": "注意力的输出加到残差流上，不替换任何东西。"},
    "journey_s_mlp": {"en": "9. MLP, and the residual again", "zh": "9. MLP，再加残差"},
    "journey_c_mlp": {
        "en": "resid_post = resid_mid + MLP({norm}(resid_mid)); max difference from the captured resid_post {err}.",
        "zh": "resid_post = resid_mid + MLP（{norm}（resid_mid））；与捕获的 resid_post 最大相差 {err}。",
    },
    "journey_s_final": {"en": "10. … the later layers, then the final norm", "zh": "10. ……之后各层，然后是最终归一化"},
    "journey_c_final": {
        "en": "Layers {next}…{last} each do stages 2–9 again. The last stream goes through the final {norm}.",
        "zh": "第 {next}…{last} 层各自再做一遍第 2–9 步。最后的残差流经过最终的 {norm}。",
    },
    "journey_c_final_last": {"en": "This is the last layer: its stream goes through the final {norm}.", "zh": "这是最后一层：它的残差流经过最终的 {norm}。"},
    "journey_s_logits": {"en": "11. Logits = final stream · W_U", "zh": "11. Logits = 最终残差流 · W_U"},
    "journey_c_logits": {
        "en": "One score for each of the {vocab} tokens of the vocabulary (the highest shown); max difference from the capture {err}.",
        "zh": "词表中 {vocab} 个 token 每个一个分数（只显示最高的）；与捕获值最大相差 {err}。",
    },
    "journey_logit": {"en": "logit", "zh": "logit"},
    "journey_s_sampling": {"en": "12. Softmax with temperature, top-k, top-p", "zh": "12. 带温度的 softmax、top-k、top-p"},
    "journey_c_sampling": {
        "en": "p = softmax(logits / {temperature}). Top-k keeps {k}, then top-p {p} keeps the {kept} most probable, the fewest holding at least p of the top-k probability ({mass}); they are renormalised to sum to 1. Blue: kept; grey: cut off; orange: drawn.",
        "zh": "p = softmax（logits / {temperature}）。top-k 保留 {k} 个，随后 top-p {p} 保留概率最高的 {kept} 个，即占前 k 个概率之和至少 p 的最少 token（{mass}）；再重新归一化使之和为 1。蓝色：保留；灰色：被截去；橙色：抽中。",
    },
    "journey_s_sampled": {"en": "13. The sampled token", "zh": "13. 抽样得到的 token"},
    "journey_sampled": {
        "en": "Seed {seed}: the draw picks “{token}” (probability {p} after renormalisation, {raw} before).",
        "zh": "种子 {seed}：抽中“{token}”（重新归一化后概率为 {p}，之前为 {raw}）。",
    },
    "journey_kept_set": {"en": "The set the draw chooses among ({n} tokens)", "zh": "抽样的候选集合（{n} 个 token）"},
    "journey_actual_next": {"en": "The text's actual next token is “{token}”.", "zh": "文本中实际的下一个 token 是“{token}”。"},
    # figure titles
    "journey_row_token": {"en": "token", "zh": "token"},
    "journey_row_position": {"en": "position", "zh": "位置"},
    "journey_row_sum": {"en": "sum", "zh": "和"},
    "journey_row_normed": {"en": "final norm", "zh": "最终归一化"},
    "journey_top_logits": {"en": "The highest logits", "zh": "最高的 logits"},
    "journey_probs_title": {"en": "The most probable next tokens", "zh": "最可能的下一个 token"},
    # links to the detailed pages
    "journey_open_steps": {"en": "Step by step →", "zh": "逐步计算 →"},
    "journey_open_explorer": {"en": "Explorer →", "zh": "注意力探查器 →"},
    "journey_open_next": {"en": "Next token →", "zh": "下一个 token →"},
    "journey_open_generation": {"en": "Generation →", "zh": "逐步生成 →"},
}
