"""Strings of the decoder pages: next token, generation stepping, RoPE and grouped-query attention."""

STRINGS: dict[str, dict[str, str]] = {
    # navigation and shared widgets
    "dec_section": {"en": "Decoders", "zh": "解码器"},
    "dec_nav_next": {"en": "Next token", "zh": "下一个 token"},
    "dec_nav_generation": {"en": "Generation, step by step", "zh": "逐步生成"},
    "dec_nav_rope_gqa": {"en": "RoPE and grouped queries", "zh": "RoPE 与分组查询"},
    "dec_model_label": {"en": "Decoder", "zh": "解码器模型"},
    "dec_prompt": {"en": "Prompt", "zh": "提示词"},
    "dec_empty_prompt": {"en": "Type a prompt above to see what the model predicts next.", "zh": "请在上方输入提示词，看看模型预测的下一个 token。"},
    "dec_no_pair": {
        "en": "A decoder reads one text, left to right: each token sees only the tokens before it (the grey upper triangle is masked).",
        "zh": "解码器只读一段文本，从左到右：每个 token 只能看到它之前的 token（灰色的上三角被屏蔽）。",
    },
    "dec_converting": {
        "en": "Preparing {name} for its first use: converting the bundled GGUF file once (about half a minute; later starts take a second).",
        "zh": "首次使用 {name} 的准备：将随包附带的 GGUF 文件转换一次（约半分钟；以后启动只需一秒）。",
    },
    "dec_stage_config": {"en": "Reading the configuration…", "zh": "正在读取配置…"},
    "dec_stage_tokenizer": {"en": "Reading the tokenizer…", "zh": "正在读取分词器…"},
    "dec_stage_weights": {"en": "Dequantising the weights…", "zh": "正在反量化权重…"},
    "dec_stage_write": {"en": "Writing the cache…", "zh": "正在写入缓存…"},
    "dec_stage_done": {"en": "Done.", "zh": "完成。"},
    "dec_position": {"en": "position", "zh": "位置"},
    "dec_probability": {"en": "probability", "zh": "概率"},
    "dec_candidate": {"en": "next token", "zh": "下一个 token"},
    "dec_temperature": {"en": "Temperature T", "zh": "温度 T"},
    "dec_temperature_help": {
        "en": "The logits are divided by T before the softmax: T < 1 sharpens the distribution, T > 1 flattens it. The model does not run again.",
        "zh": "在 softmax 之前把 logits 除以 T：T < 1 让分布更尖锐，T > 1 让分布更平坦。模型不会重新运行。",
    },
    "dec_top_k": {"en": "Top k", "zh": "前 k 个"},
    "dec_token_legend": {
        "en": "This model reads text as UTF-8 bytes, so a character can be split over several tokens: each part shows the character with its part number (奖¹ 奖²). Bytes that do not make a whole character yet show in hexadecimal (‹E5 A5›); a following token completes them.",
        "zh": "该模型按 UTF-8 字节读取文本，一个字符可能被拆成几个 token：每一部分都显示这个字符及其序号（奖¹ 奖²）。尚未组成完整字符的字节以十六进制显示（‹E5 A5›），由后面的 token 补全。",
    },
    # next token
    "dec_next_title": {"en": "Next-token prediction", "zh": "下一个 token 的预测"},
    "dec_next_intro": {
        "en": "A decoder reads the prompt and, at every position, scores each of its {vocab} vocabulary tokens as the next one (the logits). The softmax turns the scores into probabilities.",
        "zh": "解码器读入提示词，在每个位置为词表中的 {vocab} 个 token 打分，作为下一个 token 的候选（即 logits）。softmax 把分数变成概率。",
    },
    "dec_predict_after": {"en": "Predict the token after", "zh": "预测其后一个 token 的位置"},
    "dec_bars_title": {
        "en": "After “{token}” (position {pos}): the top {k} of {vocab} tokens at T = {temperature}",
        "zh": "在“{token}”（位置 {pos}）之后：{vocab} 个 token 中概率最高的 {k} 个，T = {temperature}",
    },
    "dec_mass": {
        "en": "These {k} tokens hold {mass} of the probability; over the whole vocabulary the probabilities sum to {total}.",
        "zh": "这 {k} 个 token 占了 {mass} 的概率；整个词表的概率之和为 {total}。",
    },
    "dec_actual_next": {
        "en": "The prompt continues with “{token}”: the model gave it probability {p} (rank {rank}).",
        "zh": "提示词接下来是“{token}”：模型给它的概率是 {p}（排第 {rank}）。",
    },
    # generation
    "dec_gen_title": {"en": "Generation, one token at a time", "zh": "逐个 token 生成"},
    "dec_gen_intro": {
        "en": "Generation appends the chosen next token and runs the model again on the longer text. Step forward and back, and watch what the newest token attends to in every layer.",
        "zh": "生成就是把选出的下一个 token 接在后面，再在更长的文本上运行模型。前进或后退一步，观察最新的 token 在每一层关注什么。",
    },
    "dec_strategy": {"en": "How the next token is chosen", "zh": "如何选择下一个 token"},
    "dec_strategy_greedy": {"en": "Greedy: the most probable", "zh": "贪心：概率最高的"},
    "dec_strategy_sample": {"en": "Sample (with a fixed seed)", "zh": "采样（固定随机种子）"},
    "dec_seed": {"en": "Seed", "zh": "随机种子"},
    "dec_step_forward": {"en": "Append one token ▶", "zh": "追加一个 token ▶"},
    "dec_step_back": {"en": "◀ Step back", "zh": "◀ 后退一步"},
    "dec_restart": {"en": "Start over", "zh": "重新开始"},
    "dec_gen_step0": {"en": "Step 0: the prompt alone ({n} tokens). Append a token to start.", "zh": "第 0 步：只有提示词（{n} 个 token）。追加一个 token 开始。"},
    "dec_gen_step": {
        "en": "Step {step}: the newest token is “{token}”, chosen with probability {p}.",
        "zh": "第 {step} 步：最新的 token 是“{token}”，被选中的概率为 {p}。",
    },
    "dec_gen_text": {"en": "The text so far", "zh": "目前的文本"},
    "dec_gen_limit": {"en": "The text has reached {max} tokens, the most one capture takes.", "zh": "文本已达到 {max} 个 token，这是一次捕获的上限。"},
    "dec_heads_mean": {"en": "Mean over the heads", "zh": "所有头的平均"},
    "dec_rows_title": {"en": "What the newest token “{token}” attends to, layer by layer", "zh": "最新的 token“{token}”在每一层关注什么"},
    # RoPE
    "dec_rope_title": {"en": "Rotary positions and grouped-query attention", "zh": "旋转位置编码与分组查询注意力"},
    "dec_rope_header": {"en": "Rotary positions (RoPE)", "zh": "旋转位置编码（RoPE）"},
    "dec_rope_intro": {
        "en": "Llama-style models add no position vectors. Instead, q and k are cut into {pairs} pairs of dimensions, and pair i of the vector at position m is turned by the angle m·θᵢ with θᵢ = {theta}^(−2i/{d_head}). Early pairs turn fast, late pairs slowly.",
        "zh": "Llama 类模型不加位置向量。它把 q 和 k 分成 {pairs} 对维度，位置 m 上向量的第 i 对维度旋转角度 m·θᵢ，其中 θᵢ = {theta}^(−2i/{d_head})。前面的维度对转得快，后面的转得慢。",
    },
    "dec_angles_title": {"en": "Rotation angle of each dimension pair at each position (wrapped to 0–360°)", "zh": "每个位置上每对维度的旋转角度（折算到 0–360°）"},
    "dec_pair": {"en": "dimension pair", "zh": "维度对"},
    "dec_angle": {"en": "angle", "zh": "角度"},
    "dec_before_rope": {"en": "q·k/√d before the rotation", "zh": "旋转之前的 q·k/√d"},
    "dec_after_rope": {"en": "q·k/√d after the rotation (what the model uses)", "zh": "旋转之后的 q·k/√d（模型实际使用的）"},
    "dec_rope_compare": {
        "en": "Layer {layer}, head {head}: the same q and k vectors, multiplied before and after the rotation. After it, the product of a query at m and a key at n depends on their positions only through m − n.",
        "zh": "第 {layer} 层第 {head} 个头：同样的 q 和 k 向量，在旋转之前和之后分别相乘。旋转之后，位置 m 的查询与位置 n 的键的乘积只通过 m − n 依赖于位置。",
    },
    # grouped-query attention
    "dec_gqa_header": {"en": "Grouped-query attention", "zh": "分组查询注意力（GQA）"},
    "dec_gqa_intro": {
        "en": "This model has {heads} query heads but only {kv} key/value heads: each group of {group} query heads reads the same keys and values, which makes the key/value cache {group}× smaller.",
        "zh": "该模型有 {heads} 个查询头，却只有 {kv} 个键/值头：每 {group} 个查询头为一组，读同一组键和值，使键值缓存缩小为 1/{group}。",
    },
    "dec_query_head": {"en": "query head", "zh": "查询头"},
    "dec_kv_head": {"en": "key/value head", "zh": "键/值头"},
    "dec_similarity": {"en": "similarity", "zh": "相似度"},
    "dec_similarity_title": {"en": "Layer {layer}: how alike the heads attend", "zh": "第 {layer} 层：各个头的注意力有多相似"},
    "dec_similarity_help": {
        "en": "Similarity of two heads = 1 − half the summed difference of their attention rows, averaged over the queries: 1 for identical patterns, 0 for patterns with no weight on the same keys. Boxes mark the groups.",
        "zh": "两个头的相似度 = 1 − 它们注意力行之差的绝对值之和的一半，再对所有查询取平均：完全相同为 1，从不关注相同的键为 0。方框标出各组。",
    },
    "dec_within": {"en": "heads sharing keys and values", "zh": "共享键和值的头"},
    "dec_across": {"en": "heads in different groups", "zh": "不同组的头"},
    "dec_within_summary": {
        "en": "Layer {layer}: heads of the same group have mean similarity {within}, heads of different groups {across}.",
        "zh": "第 {layer} 层：同组头的平均相似度为 {within}，不同组的头为 {across}。",
    },
    "dec_no_gqa": {"en": "This model gives every query head its own key/value head.", "zh": "该模型的每个查询头都有自己的键/值头。"},
    "dec_candidates_title": {
        "en": "Step {step}: the top {k} candidates for the token after “{token}”",
        "zh": "第 {step} 步：“{token}”之后的 token 的前 {k} 个候选",
    },
    "dec_chosen_rank": {
        "en": "The chosen token “{token}” ranked {rank} of {vocab} with probability {p} (orange).",
        "zh": "选中的 token“{token}”在 {vocab} 个中排第 {rank}，概率为 {p}（橙色）。",
    },
    "dec_next_attention_title": {
        "en": "What “{token}” (position {pos}) attends to, layer by layer",
        "zh": "“{token}”（位置 {pos}）在每一层关注什么",
    },
    "dec_next_attention_text": {
        "en": "The predicting position's row of the attention pattern in every layer ({which}): where the information for the prediction is read from.",
        "zh": "预测位置在每一层的注意力模式那一行（{which}）：预测所需的信息从哪里读取。",
    },
}
