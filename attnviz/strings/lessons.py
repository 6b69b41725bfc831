"""Strings of the lessons (keys start with ``lesson``): one dict per lesson, merged at the end."""

_COMMON = {
    "lesson_section": {"en": "Lessons", "zh": "课程"},
    "lesson_classroom": {"en": "Classroom mode", "zh": "课堂模式"},
    "lesson_classroom_help": {
        "en": "Larger type and one idea per screen (each section in its own tab), for a projector.",
        "zh": "更大的字号,每屏只讲一个要点(每节一个标签页),适合投影。",
    },
    "lesson_model_note": {
        "en": "Every number on this page is computed live by the bundled model {name}.",
        "zh": "本页的所有数字都由内置模型 {name} 实时计算得出。",
    },
    "lesson_predict": {"en": "Predict, then reveal", "zh": "先预测,再揭晓"},
    "lesson_your_prediction": {"en": "Your prediction", "zh": "你的预测"},
    "lesson_pick_one": {"en": "Pick one…", "zh": "请选择…"},
    "lesson_reveal": {"en": "Reveal the model's answer", "zh": "揭晓模型的答案"},
    "lesson_right": {"en": "Right! The model says: {answer}", "zh": "答对了!模型的答案是:{answer}"},
    "lesson_wrong": {"en": "Not this time. The model says: {answer}", "zh": "这次没猜中。模型的答案是:{answer}"},
    "lesson_no_question": {
        "en": "Give the lesson a little more input above and a question appears here.",
        "zh": "在上方多给一些输入,这里就会出现一道题。",
    },
    "lesson_yes": {"en": "Yes", "zh": "是"},
    "lesson_no": {"en": "No", "zh": "否"},
    "lesson_token": {"en": "Query token", "zh": "查询 token"},
    # errors (attnviz.lessons.errors)
    "lesson_err_unknown_word": {
        "en": "The model's vocabulary has no entry for '{word}' (it would be written [UNK]). Try an English word.",
        "zh": "模型的词表里没有“{word}”(它会被写成 [UNK])。请换一个英文单词。",
    },
    "lesson_err_word_not_found": {
        "en": "'{word}' is not in the sentence. Its tokens are: {tokens}. Pick a word from the sentence.",
        "zh": "句子中没有“{word}”。句子的 token 是:{tokens}。请选择句子里的一个词。",
    },
    "lesson_err_catalogue_line": {
        "en": "Line {line} of the catalogue ('{text}') is not 'title | price | rating' with two numbers. Fix or delete that line.",
        "zh": "商品目录第 {line} 行(“{text}”)不是“标题 | 价格 | 评分”的格式(后两项须为数字)。请修改或删除该行。",
    },
    "lesson_err_catalogue_empty": {
        "en": "The catalogue is empty: write one item per line, as 'title | price | rating'.",
        "zh": "商品目录为空:请每行写一个商品,格式为“标题 | 价格 | 评分”。",
    },
    "lesson_err_value": {
        "en": "{name} = {value} is not allowed: it must be {allowed}.",
        "zh": "{name} = {value} 不可用:它必须是 {allowed}。",
    },
}

_LESSON1 = {
    "lesson1_intro": {
        "en": "A model cannot read words, only numbers. Two ways to turn a word into numbers: a one-hot code, as long as the vocabulary, or a short learned vector, an *embedding*. Type your own words and compare.",
        "zh": "模型读不懂文字,只认数字。把词变成数字有两种办法:与词表一样长的独热编码,或者一个短小的、学习得到的向量——*词嵌入*。输入你自己的词来比较。",
    },
    "lesson1_words": {"en": "Words (separated by commas or spaces)", "zh": "单词(用逗号或空格分隔)"},
    "lesson1_no_words": {"en": "Type at least one English word above.", "zh": "请在上方输入至少一个英文单词。"},
    "lesson1_sec_one_hot": {"en": "One-hot codes", "zh": "独热编码"},
    "lesson1_one_hot_text": {
        "en": "The model's tokenizer knows **{d_vocab}** tokens. A one-hot code gives each token a vector of that length: all zeros, and a single 1 at the token's id. A word the tokenizer splits into several pieces gets one code per piece.",
        "zh": "模型的分词器认识 **{d_vocab}** 个 token。独热编码给每个 token 一个这么长的向量:全是 0,只在该 token 的编号处为 1。被分词器拆成多个片段的词,每个片段各有一个编码。",
    },
    "lesson1_col_word": {"en": "word", "zh": "单词"},
    "lesson1_col_pieces": {"en": "word pieces", "zh": "词片段"},
    "lesson1_col_ids": {"en": "token ids", "zh": "token 编号"},
    "lesson1_col_length": {"en": "one-hot length", "zh": "独热向量长度"},
    "lesson1_lookup_text": {
        "en": "The model never builds these long vectors. Multiplying a one-hot code by the embedding matrix W_E ({d_vocab} rows × {d_model} columns) just picks one row, so the model looks the row up directly: a {d_model}-number vector per token.",
        "zh": "模型从不真正构造这些长向量。独热编码乘以词嵌入矩阵 W_E({d_vocab} 行 × {d_model} 列)只是取出其中一行,所以模型直接查表:每个 token 得到一个 {d_model} 维的向量。",
    },
    "lesson1_sec_memory": {"en": "Memory for a sentence", "zh": "一个句子占多少内存"},
    "lesson1_memory_text": {
        "en": "This sentence is **{n}** tokens long (with [CLS] and [SEP]). Stored as 32-bit numbers:",
        "zh": "这个句子有 **{n}** 个 token(含 [CLS] 和 [SEP])。按 32 位数字存储:",
    },
    "lesson1_memory_one_hot": {"en": "one-hot: {n} × {d_vocab} numbers", "zh": "独热编码:{n} × {d_vocab} 个数"},
    "lesson1_memory_embedding": {"en": "embeddings: {n} × {d_model} numbers", "zh": "词嵌入:{n} × {d_model} 个数"},
    "lesson1_memory_ratio": {"en": "one-hot needs", "zh": "独热编码所需内存是词嵌入的"},
    "lesson1_sec_dot": {"en": "Similarity: one-hot vs embeddings", "zh": "相似度:独热编码 vs 词嵌入"},
    "lesson1_dot_text": {
        "en": "Cosine similarity of every pair of your words. Different one-hot codes never overlap, so their dot product is always 0: \"king\" is as far from \"queen\" as from \"banana\". The model's embeddings give graded similarities that training has made meaningful.",
        "zh": "你输入的每对单词的余弦相似度。不同的独热编码从不重叠,点积永远是 0:“king”与“queen”的距离和与“banana”一样远。模型的词嵌入则给出有层次的相似度,这些相似度是训练学出来的。",
    },
    "lesson1_cos_one_hot": {"en": "One-hot codes: cosine", "zh": "独热编码:余弦相似度"},
    "lesson1_cos_embedding": {"en": "Embeddings (W_E): cosine", "zh": "词嵌入(W_E):余弦相似度"},
    "lesson1_sec_neighbours": {"en": "Nearest neighbours in the embedding matrix", "zh": "词嵌入矩阵中的近邻"},
    "lesson1_pick_word": {"en": "Word", "zh": "单词"},
    "lesson1_k": {"en": "How many neighbours", "zh": "近邻个数"},
    "lesson1_neighbours_text": {
        "en": "The rows of W_E closest to \"{word}\" by cosine similarity, searched over all {d_vocab} tokens of the vocabulary.",
        "zh": "在词表全部 {d_vocab} 个 token 中,按余弦相似度找到的与“{word}”最接近的 W_E 行。",
    },
    "lesson1_col_token": {"en": "token", "zh": "token"},
    "lesson1_col_id": {"en": "id", "zh": "编号"},
    "lesson1_col_cos": {"en": "cosine similarity", "zh": "余弦相似度"},
    "lesson1_neighbours_title": {"en": "Nearest neighbours of \"{word}\"", "zh": "“{word}”的近邻"},
    "lesson1_q_prompt": {
        "en": "Of your other words, which one is nearest to **{word}** in the model's embedding matrix?",
        "zh": "在你输入的其他单词中,哪一个在模型的词嵌入矩阵里离 **{word}** 最近?",
    },
    "lesson1_q_explain": {
        "en": "\"{best}\" has the highest cosine similarity with \"{word}\": {cos}. Its one-hot code is exactly as far as all the others (cosine 0).",
        "zh": "“{best}”与“{word}”的余弦相似度最高:{cos}。而它的独热编码与其他所有词一样远(余弦为 0)。",
    },
}

_LESSON2 = {
    "lesson2_intro": {
        "en": "You type a query into a shop's search box. The shop compares it with every item's title (the **keys**), turns the similarities into weights, and hands back a blend of the items' **values**. That is attention: query, keys, values.",
        "zh": "你在网店的搜索框里输入一个查询。网店把它与每件商品的标题(**键**)比较,把相似度变成权重,再把商品的**值**按权重混合后返回。这就是注意力:查询、键、值。",
    },
    "lesson2_query": {"en": "Query (what the shopper types)", "zh": "查询(顾客输入的内容)"},
    "lesson2_vectors": {"en": "Vectors from", "zh": "向量来自"},
    "lesson2_vectors_sentence": {"en": "the whole model (sentence embedding)", "zh": "整个模型(句向量)"},
    "lesson2_vectors_word": {"en": "the word embeddings W_E only", "zh": "仅词嵌入 W_E"},
    "lesson2_catalogue": {"en": "Catalogue: one item per line, 'title | price | rating'", "zh": "商品目录:每行一个商品,“标题 | 价格 | 评分”"},
    "lesson2_catalogue_help": {
        "en": "Edit, add or delete lines. The title is the key; price and rating are the value.",
        "zh": "可以修改、添加或删除行。标题是键;价格和评分是值。",
    },
    "lesson2_temperature": {"en": "Temperature τ (smaller = sharper weights)", "zh": "温度 τ(越小权重越集中)"},
    "lesson2_unknown": {
        "en": "Part of the query is unknown to this model (written [UNK]): it was trained on English text, so type the query in English.",
        "zh": "查询中有部分字符模型不认识(被写成 [UNK]):该模型用英文文本训练,请用英文输入查询(例如用 laptop 代替“笔记本”)。",
    },
    "lesson2_price": {"en": "price", "zh": "价格"},
    "lesson2_rating": {"en": "rating", "zh": "评分"},
    "lesson2_sec_analogy": {"en": "Query, keys and values", "zh": "查询、键和值"},
    "lesson2_analogy": {
        "en": "- **Query** q: what you are looking for.\n- **Keys** k_i: what each item offers to be found by (its title).\n- **Values** v_i: what each item hands back if it is chosen (here its price and rating).\n\nThe model turns the query and every title into a vector; attention never looks at the values to decide the weights.",
        "zh": "- **查询** q:你要找什么。\n- **键** k_i:每件商品用来被找到的东西(它的标题)。\n- **值** v_i:商品被选中时交出来的东西(这里是价格和评分)。\n\n模型把查询和每个标题都变成向量;决定权重时,注意力从不看值。",
    },
    "lesson2_col_key": {"en": "title (key)", "zh": "标题(键)"},
    "lesson2_shapes": {
        "en": "Shapes: the query q is one vector of {d} numbers, the keys K are [{n}, {d}], the values V are [{n}, 2]; the output will be [2].",
        "zh": "形状:查询 q 是一个 {d} 维向量,键 K 是 [{n}, {d}],值 V 是 [{n}, 2];输出将是 [2]。",
    },
    "lesson2_sec_similarity": {"en": "Step 1 · Similarity of the query with each key", "zh": "第 1 步 · 查询与每个键的相似度"},
    "lesson2_similarity_sentence": {
        "en": "Each text is run through the whole model; the mean of its last layer over the tokens is its vector (the way this sentence-embedding model is used). Texts of similar meaning point in similar directions.",
        "zh": "每段文字都经过整个模型;最后一层在各 token 上的平均就是它的向量(这个句向量模型本来的用法)。意思相近的文字,向量方向也相近。",
    },
    "lesson2_similarity_word": {
        "en": "Each text's vector is the mean of the embedding rows W_E of its word pieces: no context, no word order. Compare with the whole model's vectors above.",
        "zh": "每段文字的向量是它各个词片段在 W_E 中的行的平均:没有上下文,也没有词序。可以与上面整个模型的向量比较。",
    },
    "lesson2_similarity_title": {"en": "cos(q, k_i) for the query \"{query}\"", "zh": "查询“{query}”的 cos(q, k_i)"},
    "lesson2_col_similarity": {"en": "similarity", "zh": "相似度"},
    "lesson2_sec_softmax": {"en": "Step 2 · Softmax turns scores into weights", "zh": "第 2 步 · softmax 把分数变成权重"},
    "lesson2_softmax_text": {
        "en": "Dividing by the temperature τ spreads the scores apart; the softmax makes them positive and sum to 1. Move the τ slider: a small τ gives almost all the weight to the best match (nearly hard attention), a large τ spreads it evenly.",
        "zh": "除以温度 τ 会拉开分数之间的差距;softmax 让它们都为正且和为 1。拖动 τ 滑块:τ 很小时,几乎全部权重都给最匹配的商品(接近硬注意力);τ 很大时,权重被平均分配。",
    },
    "lesson2_weights_title": {"en": "Attention weights w_i (they sum to 1)", "zh": "注意力权重 w_i(和为 1)"},
    "lesson2_col_weight": {"en": "weight", "zh": "权重"},
    "lesson2_col_score": {"en": "score = sim / τ", "zh": "分数 = 相似度 / τ"},
    "lesson2_sec_output": {"en": "Step 3 · The weighted sum of the values", "zh": "第 3 步 · 值的加权和"},
    "lesson2_output": {"en": "output: weighted {name}", "zh": "输出:加权{name}"},
    "lesson2_output_text": {
        "en": "The result is not one item but a blend of all the values, dominated by the items that matched the query best. In a Transformer the values are vectors, and the blend becomes the token's new representation.",
        "zh": "结果不是某一件商品,而是所有值的混合,主要由最匹配查询的商品决定。在 Transformer 中,值是向量,这个混合就成为该 token 的新表示。",
    },
    "lesson2_q_prompt": {
        "en": "For the query **{query}**, which item will get the largest weight?",
        "zh": "对于查询 **{query}**,哪件商品会得到最大的权重?",
    },
    "lesson2_q_explain": {
        "en": "\"{item}\" has the highest similarity ({cos}) and so the largest weight: {weight}.",
        "zh": "“{item}”的相似度最高({cos}),所以权重最大:{weight}。",
    },
}

_TITLES = {
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
    "lesson7_title": {"en": "Lesson 7 · The Transformer block", "zh": "第 7 课 · Transformer 模块"},
    "lesson7_nav": {"en": "7 · The Transformer block", "zh": "7 · Transformer 模块"},
    "lesson8_title": {"en": "Lesson 8 · What attention costs", "zh": "第 8 课 · 注意力的代价"},
    "lesson8_nav": {"en": "8 · Cost", "zh": "8 · 计算代价"},
    "lesson9_title": {"en": "Lesson 9 · What does \"it\" refer to?", "zh": "第 9 课 · “it”指的是什么?"},
    "lesson9_nav": {"en": "9 · What does \"it\" refer to?", "zh": "9 · “it”指什么?"},
}

_LESSON3 = {
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

_LESSON4 = {
    "lesson4_intro": {
        "en": "Attention needs a score for every query–key pair. Five classic ways to compute it, applied to the same real queries and keys (one head of the model), with their formulas, parameter counts and weight maps. Then the classic sequence-to-sequence attention step, shape by shape.",
        "zh": "注意力需要为每一对查询–键打一个分。这里用五种经典的打分方式,作用在同一组真实的查询和键上(模型的一个头),给出公式、参数量和权重图。最后逐个形状地走一遍经典的序列到序列注意力步骤。",
    },
    "lesson4_seed": {"en": "Random seed of the learned rules' parameters", "zh": "可学习打分规则参数的随机种子"},
    "lesson4_sec_rules": {"en": "Five scoring rules", "zh": "五种打分规则"},
    "lesson4_rules_text": {
        "en": "q and k are this head's real query and key vectors: d = {d} numbers each, for {n} tokens. Every rule gives a score s(q, k); a softmax over the keys turns the scores into weights.",
        "zh": "q 和 k 是该头真实的查询向量和键向量:每个 d = {d} 维,共 {n} 个 token。每种规则给出一个分数 s(q, k);对键做 softmax 就把分数变成权重。",
    },
    "lesson4_random_note": {
        "en": "The parameters w, W, v, b of the concat, additive and general rules are random numbers (seed {seed}, initialised like a fresh nn.Linear), not trained: their maps show the mechanics, not what a trained model would learn. Dot and scaled dot have no parameters: they use the model's numbers only.",
        "zh": "拼接、加性和一般规则的参数 w、W、v、b 是随机数(种子 {seed},按新建 nn.Linear 的方式初始化),没有经过训练:它们的图只展示计算机制,而不是训练后的模型会学到什么。点积与缩放点积没有参数:只用模型自己的数字。",
    },
    "lesson4_rule_concat": {"en": "Concat + linear", "zh": "拼接 + 线性"},
    "lesson4_rule_additive": {"en": "Additive (Bahdanau)", "zh": "加性(Bahdanau)"},
    "lesson4_rule_dot": {"en": "Dot product", "zh": "点积"},
    "lesson4_rule_general": {"en": "General (Luong)", "zh": "一般(Luong)"},
    "lesson4_rule_scaled_dot": {"en": "Scaled dot product", "zh": "缩放点积"},
    "lesson4_params": {"en": "{count} parameters", "zh": "{count} 个参数"},
    "lesson4_sec_maps": {"en": "Weight maps side by side", "zh": "权重图并排对比"},
    "lesson4_maps_text": {
        "en": "Rows are queries, columns keys, the same tokens for every rule. The scaled dot product is exactly this head's real attention pattern.",
        "zh": "行是查询,列是键,每种规则的 token 都相同。缩放点积就是该头真实的注意力模式。",
    },
    "lesson4_col_rule": {"en": "rule", "zh": "规则"},
    "lesson4_col_params": {"en": "parameters", "zh": "参数量"},
    "lesson4_col_max": {"en": "mean largest weight", "zh": "最大权重的平均"},
    "lesson4_col_entropy": {"en": "mean entropy (nats)", "zh": "平均熵(奈特)"},
    "lesson4_col_spread": {"en": "largest difference between rows", "zh": "各行之间的最大差异"},
    "lesson4_scaled_text": {
        "en": "Dot and scaled dot rank the keys the same way, but dividing by √d = √{d} keeps the scores small, so the softmax is less peaked (larger entropy) and its gradients do not vanish.",
        "zh": "点积与缩放点积对键的排序相同,但除以 √d = √{d} 让分数保持较小,softmax 因而不那么尖锐(熵更大),梯度也不会消失。",
    },
    "lesson4_sec_concat": {"en": "Why concat + linear cannot see the query", "zh": "为什么“拼接 + 线性”看不见查询"},
    "lesson4_concat_text": {
        "en": "A linear function of [q; k] splits into a part from q and a part from k. The softmax over the keys cancels anything that is the same for every key — the whole query part. So every query gets the same weights: every row of its map is identical. The additive rule's tanh mixes q and k and avoids this.",
        "zh": "[q; k] 的线性函数可以拆成来自 q 的部分和来自 k 的部分。对键做 softmax 会消去对所有键都相同的量——也就是整个查询部分。所以每个查询得到的权重都一样:权重图的每一行完全相同。加性规则中的 tanh 把 q 和 k 混合在一起,避免了这个问题。",
    },
    "lesson4_sec_seq2seq": {"en": "A sequence-to-sequence decoder step, shape by shape", "zh": "序列到序列解码器的一步,逐个形状"},
    "lesson4_seq2seq_text": {
        "en": "The classic attention of an RNN translator (as in the notes): the decoder's input Q and its previous hidden state K are concatenated, a linear layer gives one score per encoder position, the softmax weights average the encoder outputs V, and the result is combined with Q into the output. Change the sizes and watch every shape follow.",
        "zh": "RNN 翻译模型中的经典注意力(与笔记中的一致):解码器的输入 Q 和上一步的隐状态 K 拼接起来,一个线性层为每个编码器位置给出一个分数,softmax 权重对编码器输出 V 做加权平均,结果再与 Q 组合成输出。修改尺寸,看每个形状如何随之变化。",
    },
    "lesson4_seq2seq_note": {
        "en": "Q, K, V and both linear layers are random (seed {seed}): this step shows shapes and data flow, not a trained translator.",
        "zh": "Q、K、V 和两个线性层都是随机的(种子 {seed}):这一步展示的是形状和数据流动,而不是训练好的翻译模型。",
    },
    "lesson4_query_size": {"en": "query size", "zh": "查询维度"},
    "lesson4_key_size": {"en": "key size", "zh": "键维度"},
    "lesson4_n_positions": {"en": "encoder positions", "zh": "编码器位置数"},
    "lesson4_value_size": {"en": "value size", "zh": "值维度"},
    "lesson4_output_size": {"en": "output size", "zh": "输出维度"},
    "lesson4_col_step": {"en": "tensor", "zh": "张量"},
    "lesson4_col_shape": {"en": "shape", "zh": "形状"},
    "lesson4_step_Q": {"en": "Q: decoder input", "zh": "Q:解码器输入"},
    "lesson4_step_K": {"en": "K: previous hidden state", "zh": "K:上一步隐状态"},
    "lesson4_step_V": {"en": "V: encoder outputs", "zh": "V:编码器输出"},
    "lesson4_step_cat": {"en": "[Q; K] concatenated", "zh": "[Q; K] 拼接"},
    "lesson4_step_scores": {"en": "linear → one score per encoder position", "zh": "线性层 → 每个编码器位置一个分数"},
    "lesson4_step_weights": {"en": "softmax → attention weights", "zh": "softmax → 注意力权重"},
    "lesson4_step_applied": {"en": "weights · V (bmm)", "zh": "权重 · V(bmm)"},
    "lesson4_step_combined": {"en": "[Q; weights·V] concatenated", "zh": "[Q; 权重·V] 拼接"},
    "lesson4_step_output": {"en": "linear → output", "zh": "线性层 → 输出"},
    "lesson4_weights_title": {"en": "Attention weights over the encoder positions", "zh": "对编码器各位置的注意力权重"},
    "lesson4_positions": {"en": "encoder position", "zh": "编码器位置"},
    "lesson4_q_prompt": {
        "en": "With the **concat + linear** rule, do different queries get different weights?",
        "zh": "使用**拼接 + 线性**规则时,不同的查询会得到不同的权重吗?",
    },
    "lesson4_q_explain": {
        "en": "The largest difference between two rows of its map is {spread}: up to rounding, every query gets the same weights, because the softmax cancels the query's part of the score.",
        "zh": "其权重图任意两行之间的最大差异是 {spread}:除舍入误差外,每个查询得到的权重都相同,因为 softmax 消去了分数中来自查询的部分。",
    },
}

_LESSON5 = {
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

_LESSON6 = {
    "lesson6_intro": {
        "en": "Attention compares every token with every other, but nothing in softmax(QKᵀ/√d)V knows which token came first. Word order has to be added to the input: with sinusoids (the Transformer paper) or with learned vectors (this model).",
        "zh": "注意力把每个 token 与其他所有 token 比较,但 softmax(QKᵀ/√d)V 中没有任何东西知道哪个 token 在前。词序必须加到输入里:用正弦波(Transformer 论文)或用学习得到的向量(本模型)。",
    },
    "lesson6_sec_sinusoid": {"en": "The sinusoidal encoding", "zh": "正弦位置编码"},
    "lesson6_sinusoid_text": {
        "en": "Each position gets a vector of d_model numbers: pairs of sine and cosine waves whose wavelength grows from 2π to 10000·2π along the dimensions. Early dimensions change fast with the position, late ones slowly — like the hands of a clock. The vector is added to the token's embedding.",
        "zh": "每个位置得到一个 d_model 维向量:由成对的正弦和余弦波组成,波长沿维度从 2π 增长到 10000·2π。靠前的维度随位置变化很快,靠后的很慢——就像钟表的指针。这个向量被加到 token 的词嵌入上。",
    },
    "lesson6_n": {"en": "Positions", "zh": "位置数"},
    "lesson6_d": {"en": "d_model", "zh": "d_model"},
    "lesson6_sinusoid_title": {"en": "PE for {n} positions × {d} dimensions", "zh": "{n} 个位置 × {d} 维的位置编码"},
    "lesson6_dimension": {"en": "dimension", "zh": "维度"},
    "lesson6_position": {"en": "position", "zh": "位置"},
    "lesson6_similarity_text": {
        "en": "The dot product PE(p)·PE(p′) between two positions depends only on their distance p′ − p: the bands run parallel to the diagonal. Nearby positions are similar, and a fixed offset looks the same everywhere in the sentence.",
        "zh": "两个位置的点积 PE(p)·PE(p′) 只取决于它们的距离 p′ − p:条纹与对角线平行。相邻位置相似,而固定的偏移在句子中任何地方看起来都一样。",
    },
    "lesson6_similarity_title": {"en": "Dot product between positions", "zh": "位置之间的点积"},
    "lesson6_sec_permutation": {"en": "Attention without positions", "zh": "没有位置信息的注意力"},
    "lesson6_permutation_text": {
        "en": "Layer 0 of the model, computed from its embeddings twice: with and without its position vectors. Shuffle the words (the [CLS] and [SEP] stay in place). Without positions the shuffled sentence gets exactly the same weights, only moved with the words; with positions the weights change.",
        "zh": "模型第 0 层,由词嵌入计算两次:带位置向量和不带位置向量。把词打乱([CLS] 和 [SEP] 保持原位)。没有位置信息时,打乱后的句子得到完全相同的权重,只是随词一起移动;有位置信息时,权重会改变。",
    },
    "lesson6_head": {"en": "Head of layer 0", "zh": "第 0 层的头"},
    "lesson6_seed": {"en": "Shuffle (seed)", "zh": "打乱(种子)"},
    "lesson6_original": {"en": "original", "zh": "原句"},
    "lesson6_shuffled": {"en": "shuffled", "zh": "打乱后"},
    "lesson6_error_without": {"en": "max |A′ − P·A·Pᵀ| without positions", "zh": "无位置信息时 max |A′ − P·A·Pᵀ|"},
    "lesson6_error_with": {"en": "max |A′ − P·A·Pᵀ| with the model's positions", "zh": "带模型位置向量时 max |A′ − P·A·Pᵀ|"},
    "lesson6_map_original": {"en": "No positions, original order: layer 0, head {head}", "zh": "无位置信息,原顺序:第 0 层,第 {head} 个头"},
    "lesson6_map_shuffled": {"en": "No positions, shuffled: layer 0, head {head}", "zh": "无位置信息,打乱后:第 0 层,第 {head} 个头"},
    "lesson6_sec_learned": {"en": "The model's learned positions", "zh": "模型学到的位置向量"},
    "lesson6_learned_text": {
        "en": "This model (like BERT) does not use sinusoids: it learned one vector per position, a matrix W_pos of {max} rows × {d} numbers, trained with the rest of the model. Their cosine similarity also falls off with distance — training found a similar solution.",
        "zh": "本模型(与 BERT 一样)不用正弦波:它为每个位置学习一个向量,即 {max} 行 × {d} 列的矩阵 W_pos,与模型其他部分一起训练。它们的余弦相似度同样随距离下降——训练找到了类似的解。",
    },
    "lesson6_learned_title": {"en": "W_pos: the first {n} positions", "zh": "W_pos:前 {n} 个位置"},
    "lesson6_learned_similarity_title": {"en": "Cosine similarity between learned positions", "zh": "学习到的位置向量之间的余弦相似度"},
    "lesson6_q_prompt": {
        "en": "Run the shuffled sentence through layer 0 **with** the model's position vectors. Are its weights just a shuffled copy of the original's?",
        "zh": "把打乱后的句子**连同**模型的位置向量一起送入第 0 层。它的权重只是原句权重的打乱版吗?",
    },
    "lesson6_q_explain": {
        "en": "With positions the largest difference from the shuffled copy is {error}: the position vectors moved with the slots, not with the words, so the model sees a different sentence.",
        "zh": "带位置信息时,与打乱版的最大差异是 {error}:位置向量跟着位置走,而不是跟着词走,所以模型看到的是一个不同的句子。",
    },
}

_LESSON7 = {
    "lesson7_intro": {
        "en": "How the pieces fit together: the encoder and the decoder of the Transformer, the residual connections and LayerNorm around each sub-layer, the feed-forward network, and where the parameters are — counted on the loaded model.",
        "zh": "各个部件如何组合:Transformer 的编码器与解码器,每个子层外的残差连接和 LayerNorm,前馈网络,以及参数都在哪里——在加载的模型上实际清点。",
    },
    "lesson7_sec_diagram": {"en": "Encoder and decoder", "zh": "编码器与解码器"},
    "lesson7_diagram_text": {
        "en": "The encoder (left) reads the whole input at once; the decoder (right) writes the output one token at a time, looking back at its own earlier tokens (masked self-attention) and at the encoder's output (cross-attention). Each stack repeats its block N times; this model's encoder has {n_layers}.",
        "zh": "编码器(左)一次读入整个输入;解码器(右)一次写出一个 token,回看自己之前写出的 token(带掩码的自注意力),并查看编码器的输出(交叉注意力)。每一侧都把各自的模块重复 N 次;本模型的编码器有 {n_layers} 层。",
    },
    "lesson7_encoder": {"en": "Encoder (× N)", "zh": "编码器(× N)"},
    "lesson7_decoder": {"en": "Decoder (× N)", "zh": "解码器(× N)"},
    "lesson7_cross_arrow": {"en": "keys and values", "zh": "键和值"},
    "lesson7_box_enc_embed": {"en": "Input embedding", "zh": "输入词嵌入"},
    "lesson7_box_enc_pos": {"en": "+ positional encoding", "zh": "+ 位置编码"},
    "lesson7_box_enc_attn": {"en": "Multi-head self-attention", "zh": "多头自注意力"},
    "lesson7_box_enc_norm1": {"en": "Add & LayerNorm", "zh": "残差 & LayerNorm"},
    "lesson7_box_enc_ffn": {"en": "Feed-forward", "zh": "前馈网络"},
    "lesson7_box_enc_norm2": {"en": "Add & LayerNorm", "zh": "残差 & LayerNorm"},
    "lesson7_box_dec_embed": {"en": "Output embedding (shifted right)", "zh": "输出词嵌入(右移一位)"},
    "lesson7_box_dec_pos": {"en": "+ positional encoding", "zh": "+ 位置编码"},
    "lesson7_box_dec_masked": {"en": "Masked self-attention", "zh": "带掩码的自注意力"},
    "lesson7_box_dec_cross": {"en": "Cross-attention", "zh": "交叉注意力"},
    "lesson7_box_dec_ffn": {"en": "Feed-forward", "zh": "前馈网络"},
    "lesson7_box_dec_out": {"en": "Linear + softmax", "zh": "线性层 + softmax"},
    "lesson7_links": {"en": "Each part is explained on its own page:", "zh": "每个部件都有专门的页面讲解:"},
    "lesson7_link_embed": {"en": "Embeddings", "zh": "词嵌入"},
    "lesson7_link_pos": {"en": "Positional encoding", "zh": "位置编码"},
    "lesson7_link_attn": {"en": "Multi-head self-attention", "zh": "多头自注意力"},
    "lesson7_link_qk": {"en": "Queries and keys", "zh": "查询与键"},
    "lesson7_link_masked": {"en": "Masked (restricted) attention", "zh": "带掩码(受限)的注意力"},
    "lesson7_link_cross": {"en": "Cross-attention", "zh": "交叉注意力"},
    "lesson7_link_cost": {"en": "Why attention, and what it costs", "zh": "为什么用注意力,以及它的代价"},
    "lesson7_sec_residual": {"en": "Residual connection + LayerNorm", "zh": "残差连接 + LayerNorm"},
    "lesson7_residual_text": {
        "en": "Each sub-layer adds its output to its input (the residual connection: the token keeps what it had and gains what attention found), then LayerNorm rescales every token's vector to mean 0 and standard deviation 1 before its learned weight and bias. Below, the real numbers of one layer, recomputed from the captured tensors and the layer's own LayerNorm.",
        "zh": "每个子层把自己的输出加到输入上(残差连接:token 保留原有的信息,再加上注意力找到的信息),然后 LayerNorm 把每个 token 的向量缩放到均值 0、标准差 1,再乘以学习到的权重、加上偏置。下面是某一层的真实数字,由捕获的张量和该层自己的 LayerNorm 重新计算。",
    },
    "lesson7_col_token": {"en": "token", "zh": "token"},
    "lesson7_col_mean": {"en": "mean after normalising", "zh": "归一化后的均值"},
    "lesson7_col_std": {"en": "std after normalising", "zh": "归一化后的标准差"},
    "lesson7_recompute_error": {
        "en": "max |our LayerNorm(x + MultiHead(x)) − the model's output|",
        "zh": "max |我们计算的 LayerNorm(x + MultiHead(x)) − 模型的输出|",
    },
    "lesson7_sec_ffn": {"en": "The position-wise feed-forward network", "zh": "逐位置前馈网络"},
    "lesson7_ffn_text": {
        "en": "After attention has mixed information between tokens, each token goes alone through the same small network: widen from {d_model} to {d_mlp} numbers ({ratio}×), apply GELU, narrow back to {d_model}. It has {count} parameters per layer.",
        "zh": "注意力在 token 之间混合信息之后,每个 token 单独通过同一个小网络:从 {d_model} 维扩展到 {d_mlp} 维({ratio} 倍),经过 GELU,再压缩回 {d_model} 维。每层有 {count} 个参数。",
    },
    "lesson7_ffn_params": {"en": "feed-forward parameters per layer", "zh": "每层前馈网络参数量"},
    "lesson7_sec_counts": {"en": "Where the parameters are", "zh": "参数都在哪里"},
    "lesson7_counts_text": {
        "en": "Every component of the loaded model with its tensors' shapes. Parts of a block appear in each of the {n_layers} layers.",
        "zh": "加载的模型的每个部件及其张量形状。模块中的部件在全部 {n_layers} 层中各出现一次。",
    },
    "lesson7_col_part": {"en": "component", "zh": "部件"},
    "lesson7_col_shapes": {"en": "tensors", "zh": "张量"},
    "lesson7_col_count": {"en": "parameters (one copy)", "zh": "参数量(一份)"},
    "lesson7_col_copies": {"en": "copies", "zh": "份数"},
    "lesson7_col_total": {"en": "parameters", "zh": "参数量"},
    "lesson7_total": {"en": "parameters in the whole model", "zh": "整个模型的参数量"},
    "lesson7_groups_title": {"en": "Parameters per kind of component", "zh": "各类部件的参数量"},
    "lesson7_group_embeddings": {"en": "Embeddings", "zh": "嵌入"},
    "lesson7_group_attention": {"en": "Attention", "zh": "注意力"},
    "lesson7_group_feed_forward": {"en": "Feed-forward", "zh": "前馈网络"},
    "lesson7_group_layer_norm": {"en": "LayerNorm", "zh": "LayerNorm"},
    "lesson7_part_word_embeddings": {"en": "word embeddings", "zh": "词嵌入"},
    "lesson7_part_position_embeddings": {"en": "position embeddings", "zh": "位置嵌入"},
    "lesson7_part_token_type_embeddings": {"en": "token-type embeddings", "zh": "句子类型嵌入"},
    "lesson7_part_embedding_layer_norm": {"en": "embedding LayerNorm", "zh": "嵌入层 LayerNorm"},
    "lesson7_part_attn_q": {"en": "attention: queries", "zh": "注意力:查询"},
    "lesson7_part_attn_k": {"en": "attention: keys", "zh": "注意力:键"},
    "lesson7_part_attn_v": {"en": "attention: values", "zh": "注意力:值"},
    "lesson7_part_attn_o": {"en": "attention: output", "zh": "注意力:输出"},
    "lesson7_part_ln1": {"en": "LayerNorm after attention", "zh": "注意力之后的 LayerNorm"},
    "lesson7_part_ffn_in": {"en": "feed-forward: widen", "zh": "前馈网络:扩展"},
    "lesson7_part_ffn_out": {"en": "feed-forward: narrow", "zh": "前馈网络:压缩"},
    "lesson7_part_ln2": {"en": "LayerNorm after feed-forward", "zh": "前馈网络之后的 LayerNorm"},
    "lesson7_sec_cross": {"en": "Cross-attention", "zh": "交叉注意力"},
    "lesson7_cross_text": {
        "en": "In a decoder block, cross-attention takes its **queries** from the decoder (the m tokens written so far) and its **keys and values** from the encoder's output (the n input tokens). Its weight matrix is [m, n]: each output token looks over the whole input.",
        "zh": "在解码器模块中,交叉注意力的**查询**来自解码器(已写出的 m 个 token),**键和值**来自编码器的输出(n 个输入 token)。它的权重矩阵是 [m, n]:每个输出 token 都能看遍整个输入。",
    },
    "lesson7_encoder_only": {
        "en": "The bundled model is an encoder only (like BERT): it has no decoder and no cross-attention. Lesson 3 applies one of its heads to two different sentences to show the mechanics.",
        "zh": "内置模型只有编码器(与 BERT 一样):没有解码器,也没有交叉注意力。第 3 课把它的一个头用在两个不同的句子上,演示其中的计算过程。",
    },
    "lesson7_q_prompt": {
        "en": "Which kind of component holds the most parameters in this model?",
        "zh": "在本模型中,哪一类部件的参数最多?",
    },
    "lesson7_q_explain": {
        "en": "It holds {count} parameters, {percent} % of the model.",
        "zh": "它有 {count} 个参数,占整个模型的 {percent}%。",
    },
}

_LESSON8 = {
    "lesson8_intro": {
        "en": "Self-attention compares every token with every other: n² pairs. A recurrent network walks through the tokens one by one; a convolution looks at a small window. What does each cost, in theory and measured on this machine?",
        "zh": "自注意力把每个 token 与其他所有 token 比较:n² 对。循环网络逐个走过 token;卷积只看一个小窗口。它们各自的代价是多少?理论上如何,在这台机器上实测又如何?",
    },
    "lesson8_sec_table": {"en": "The complexity table", "zh": "复杂度对照表"},
    "lesson8_table_text": {
        "en": "From the Transformer paper (Table 1), for n tokens of d numbers each, kernel size k, window r:",
        "zh": "出自 Transformer 论文(表 1),n 个 token、每个 d 维,卷积核大小 k,窗口 r:",
    },
    "lesson8_col_layer": {"en": "layer", "zh": "层类型"},
    "lesson8_col_per_layer": {"en": "cost per layer", "zh": "每层计算量"},
    "lesson8_col_sequential": {"en": "sequential operations", "zh": "顺序操作数"},
    "lesson8_col_path": {"en": "maximum path length", "zh": "最大路径长度"},
    "lesson8_kind_self_attention": {"en": "self-attention", "zh": "自注意力"},
    "lesson8_kind_recurrent": {"en": "recurrent", "zh": "循环层"},
    "lesson8_kind_convolutional": {"en": "convolutional", "zh": "卷积层"},
    "lesson8_kind_restricted": {"en": "self-attention (restricted to r neighbours)", "zh": "自注意力(限制在 r 个邻居内)"},
    "lesson8_table_after": {
        "en": "- **Cost per layer**: attention is quadratic in n but linear in d; recurrence is linear in n but quadratic in d. For sentences (n smaller than d) attention is the cheaper one.\n- **Sequential operations**: a recurrent layer must wait for the previous token, n steps in a row; attention and convolution compute all positions at once, in parallel.\n- **Maximum path length**: how many steps information needs from one token to any other. In attention every token sees every other directly.",
        "zh": "- **每层计算量**:注意力对 n 是二次的、对 d 是线性的;循环层对 n 是线性的、对 d 是二次的。对于句子(n 小于 d),注意力更便宜。\n- **顺序操作数**:循环层必须等前一个 token 算完,连续 n 步;注意力和卷积可以同时并行计算所有位置。\n- **最大路径长度**:信息从一个 token 传到任意另一个 token 需要几步。在注意力中,每个 token 都能直接看到其他所有 token。",
    },
    "lesson8_sec_measure": {"en": "Measured on this machine", "zh": "在这台机器上实测"},
    "lesson8_measure_text": {
        "en": "One layer of each kind, all of width d, with random weights: one-head self-attention (attnviz's own attention functions), nn.RNN, nn.LSTM and nn.Conv1d (kernel 3). Each length is timed 3 times after a warm-up (the median is kept), and the peak memory of the tensors the layer creates is recorded. The measurement stops at the time cap.",
        "zh": "每种各一层,宽度都是 d,权重随机:单头自注意力(attnviz 自己的注意力函数)、nn.RNN、nn.LSTM 和 nn.Conv1d(卷积核 3)。每个长度先预热一次,再计时 3 次(取中位数),并记录该层所创建张量的峰值内存。到达时间上限时测量停止。",
    },
    "lesson8_n_min": {"en": "Shortest n", "zh": "最短 n"},
    "lesson8_n_max": {"en": "Longest n", "zh": "最长 n"},
    "lesson8_d": {"en": "Width d", "zh": "宽度 d"},
    "lesson8_cap": {"en": "Time cap (seconds)", "zh": "时间上限(秒)"},
    "lesson8_run": {"en": "Measure", "zh": "开始测量"},
    "lesson8_running": {"en": "Measuring…", "zh": "正在测量…"},
    "lesson8_progress": {"en": "Measuring {what}…", "zh": "正在测量 {what}…"},
    "lesson8_not_yet": {"en": "Press “Measure” to time the layers on this machine.", "zh": "按“开始测量”在这台机器上为各层计时。"},
    "lesson8_layer_self_attention": {"en": "self-attention", "zh": "自注意力"},
    "lesson8_layer_rnn": {"en": "nn.RNN", "zh": "nn.RNN"},
    "lesson8_layer_lstm": {"en": "nn.LSTM", "zh": "nn.LSTM"},
    "lesson8_layer_conv1d": {"en": "nn.Conv1d", "zh": "nn.Conv1d"},
    "lesson8_time_axis": {"en": "seconds per forward pass", "zh": "每次前向计算的秒数"},
    "lesson8_time_axis_title": {"en": "Time against n (d = {d}), log-log", "zh": "时间与 n 的关系(d = {d}),双对数坐标"},
    "lesson8_memory_axis": {"en": "peak bytes of created tensors", "zh": "所创建张量的峰值字节数"},
    "lesson8_memory_axis_title": {"en": "Memory against n (d = {d}), log-log", "zh": "内存与 n 的关系(d = {d}),双对数坐标"},
    "lesson8_col_time_p": {"en": "fitted time exponent p", "zh": "拟合的时间指数 p"},
    "lesson8_col_memory_p": {"en": "fitted memory exponent p", "zh": "拟合的内存指数 p"},
    "lesson8_col_expected": {"en": "expected p (large n)", "zh": "理论 p(n 很大时)"},
    "lesson8_col_ms": {"en": "milliseconds", "zh": "毫秒"},
    "lesson8_col_kib": {"en": "peak KiB", "zh": "峰值 KiB"},
    "lesson8_skipped": {
        "en": "Not measured, to stay within the {cap} s cap: {skipped}.",
        "zh": "为了不超过 {cap} 秒的上限,以下没有测量:{skipped}。",
    },
    "lesson8_reading": {
        "en": "On a log-log plot, cost ∝ n^p is a straight line of slope p. Self-attention's memory grows like n² (the n × n weight matrix); the others grow like n. For short sequences fixed overheads dominate and the fitted exponents are smaller than the asymptotic ones; the recurrent layers pay instead for their n sequential steps.",
        "zh": "在双对数坐标中,代价 ∝ n^p 是一条斜率为 p 的直线。自注意力的内存按 n² 增长(n × n 的权重矩阵);其他层按 n 增长。序列较短时固定开销占主导,拟合出的指数小于渐近值;循环层则要为 n 个顺序步骤付出代价。",
    },
    "lesson8_q_prompt": {
        "en": "When n doubles, whose time grows the most?",
        "zh": "当 n 翻倍时,谁的时间增长最多?",
    },
    "lesson8_q_explain": {
        "en": "Its fitted exponent is p = {p}: doubling n multiplies its time by about 2^p = {factor}.",
        "zh": "它拟合出的指数是 p = {p}:n 翻倍时,时间大约乘以 2^p = {factor}。",
    },
}

_LESSON9 = {
    "lesson9_intro": {
        "en": "\"The animal didn't cross the street because it was too tired.\" — *it* is the animal. Change one word, \"… too wide\", and *it* is the street. Does the model notice? Look at every layer and head at once.",
        "zh": "“The animal didn't cross the street because it was too tired.”——*it* 指动物。只改一个词,“… too wide”,*it* 就变成了街道。模型注意到了吗?一次看遍每一层、每一个头。",
    },
    "lesson9_sentence_a": {"en": "Sentence A", "zh": "句子 A"},
    "lesson9_sentence_b": {"en": "Sentence B", "zh": "句子 B"},
    "lesson9_query": {"en": "Query word", "zh": "查询词"},
    "lesson9_key1": {"en": "First candidate", "zh": "第一个候选词"},
    "lesson9_key2": {"en": "Second candidate", "zh": "第二个候选词"},
    "lesson9_sec_sentences": {"en": "Two sentences", "zh": "两个句子"},
    "lesson9_sentences_text": {
        "en": "For every head we read one row of its attention: the weights of **{query}** (the query) on **{key1}** and on **{key2}** (the keys), in both sentences. Any two sentences can be compared the same way: type your own above (a Winograd pair works best).",
        "zh": "对每个头,我们读出其注意力的一行:**{query}**(查询)分给 **{key1}** 和 **{key2}**(键)的权重,两个句子都读。任何两个句子都能这样比较:在上方输入你自己的句子(Winograd 式的句子对效果最好)。",
    },
    "lesson9_sec_maps": {"en": "Every layer and head", "zh": "每一层、每一个头"},
    "lesson9_maps_text": {
        "en": "Each cell is one head: its weight of \"{query}\" on \"{key1}\" minus its weight on \"{key2}\". Red prefers \"{key1}\", blue prefers \"{key2}\". Framed heads change their preference between the two sentences.",
        "zh": "每个格子是一个头:“{query}”分给“{key1}”的权重减去分给“{key2}”的权重。红色偏向“{key1}”,蓝色偏向“{key2}”。带边框的头在两个句子之间改变了偏好。",
    },
    "lesson9_map_title": {"en": "Sentence {sentence}: {key1} − {key2}", "zh": "句子 {sentence}:{key1} − {key2}"},
    "lesson9_sec_flipped": {"en": "Heads that flip", "zh": "改变偏好的头"},
    "lesson9_flipped_text": {
        "en": "**{count} of {total}** heads prefer a different candidate for \"{query}\" in the two sentences (largest change first). Open one in the Explorer to see its whole pattern.",
        "zh": "共 **{total}** 个头中,有 **{count}** 个在两个句子里为“{query}”偏向不同的候选词(按变化从大到小排列)。在浏览器中打开一个,查看它完整的注意力模式。",
    },
    "lesson9_pick_head": {"en": "Head", "zh": "注意力头"},
    "lesson9_open": {"en": "Open in the Explorer", "zh": "在浏览器中打开"},
    "lesson9_q_prompt": {
        "en": "In sentence A, which token will **{token}** attend to most in layer {layer}, head {head}?",
        "zh": "在句子 A 中,第 {layer} 层第 {head} 个头里,**{token}** 最关注哪个 token?",
    },
    "lesson9_q_explain": {
        "en": "Its largest weight goes to \"{token}\": {weight}.",
        "zh": "它最大的权重给了“{token}”:{weight}。",
    },
}


def _merge(*parts: dict) -> dict:
    merged: dict = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise RuntimeError(f"lesson strings defined twice: {sorted(clash)}")
        merged |= part
    return merged


STRINGS: dict[str, dict[str, str]] = _merge(_COMMON, _TITLES, _LESSON1, _LESSON2, _LESSON3, _LESSON4, _LESSON5, _LESSON6, _LESSON7, _LESSON8, _LESSON9)
