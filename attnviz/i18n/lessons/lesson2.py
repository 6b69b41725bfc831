"""Strings of Lesson 2."""

STRINGS = {
    "lesson2_numbers": {
        "en": "Where the numbers come from: the query and title vectors, and so the similarities, are the bundled model {name}'s own (its sentence embedding, or its embedding matrix W_E). The values are the features you type in the catalogue, τ is your slider, and the weights and the blend are computed from them with the formulas shown.",
        "zh": "数字的来源：查询和标题的向量，以及由此得到的相似度，都来自内置模型 {name} 自己（它的句向量，或它的词嵌入矩阵 W_E）。值是你在商品目录中输入的特征，τ 来自你的滑块，权重和混合结果则按页面上的公式由它们算出。",
    },
    "lesson2_intro": {
        "en": "You type a query into a shop's search box. The shop compares it with every item's title (the **keys**), turns the similarities into weights, and hands back one blend of the items' **values**. That is attention: query, keys, values.",
        "zh": "你在网店的搜索框里输入一个查询。网店把它与每件商品的标题（**键**）比较，把相似度变成权重，再把各商品的**值**按权重混合成一个结果返回。这就是注意力：查询、键、值。",
    },
    "lesson2_query": {"en": "Query (what the shopper types)", "zh": "查询（顾客输入的内容）"},
    "lesson2_vectors": {"en": "Vectors from", "zh": "向量来自"},
    "lesson2_vectors_sentence": {"en": "the whole model (sentence embedding)", "zh": "整个模型（句向量）"},
    "lesson2_vectors_word": {"en": "the word embeddings W_E only", "zh": "仅词嵌入 W_E"},
    "lesson2_catalogue": {
        "en": "Catalogue: one item per line, 'title | feature, feature, …'",
        "zh": "商品目录：每行一个商品，格式为“标题 | 特征，特征，…”",
    },
    "lesson2_catalogue_help": {
        "en": "Edit, add or delete lines. The title is the key; the features after | make the value: a vector with a 1 for each feature the item has.",
        "zh": "可以修改、添加或删除行。标题是键；| 后面的特征构成值：一个向量，商品具有的每个特征处为 1。",
    },
    "lesson2_temperature": {"en": "Temperature τ (smaller = sharper weights)", "zh": "温度 τ（越小权重越集中）"},
    "lesson2_unknown": {
        "en": "Part of the query is unknown to this model (written [UNK]): it was trained on English text, so type the query in English.",
        "zh": "查询中有部分字符模型不认识（被写成 [UNK]）：该模型用英文文本训练，请用英文输入查询（例如用 laptop 代替“笔记本”）。",
    },
    "lesson2_sec_analogy": {"en": "Query, keys and values", "zh": "查询、键和值"},
    "lesson2_analogy": {
        "en": "- **Query** q: what you are looking for.\n- **Keys** k_i: what each item offers to be found by (its title).\n- **Values** v_i: what each item hands over to the answer (here its features, as a vector of 0s and 1s).\n\nThe model turns the query and every title into a vector; attention never looks at the values to decide the weights.",
        "zh": "- **查询** q：你要找什么。\n- **键** k_i：每件商品用来被找到的东西（它的标题）。\n- **值** v_i：每件商品交给答案的内容（这里是它的特征，一个由 0 和 1 组成的向量）。\n\n模型把查询和每个标题都变成向量；决定权重时，注意力从不看值。",
    },
    "lesson2_col_key": {"en": "title (key)", "zh": "标题（键）"},
    "lesson2_shapes": {
        "en": "Shapes: the query q is one vector of {d} numbers, the keys K are [{n}, {d}], the values V are [{n}, {f}] (one column per feature); the output will be one vector of {f} numbers.",
        "zh": "形状：查询 q 是一个 {d} 维向量，键 K 是 [{n}, {d}]，值 V 是 [{n}, {f}]（每个特征一列）；输出将是一个 {f} 维向量。",
    },
    "lesson2_value_notes_say": {
        "en": "V is not what the item costs but its value to the algorithm (advertising paid, good reviews, likes) — right; but they then treat it as one score that pushes the item up the list.",
        "zh": "V 不是指物品值几块钱，而是物品在算法中的价值（广告费、好评、点赞等）——这一点没错；但笔记随后把它当作把商品排到前面的一个分数。",
    },
    "lesson2_value_in_fact": {
        "en": "a value is a vector of content that is handed on and mixed: in a Transformer it is v = xW_V, the information a token passes to the tokens that attend to it. Here it is the item's feature vector, so the blend is itself meaningful.",
        "zh": "值是一个会被传递和混合的内容向量：在 Transformer 中它是 v = xW_V，即一个 token 传给关注它的 token 的信息。这里它是商品的特征向量，所以混合后的结果本身也有意义。",
    },
    "lesson2_sec_similarity": {"en": "Step 1 · Similarity of the query with each key", "zh": "第 1 步 · 查询与每个键的相似度"},
    "lesson2_similarity_sentence": {
        "en": "Each text is run through the whole model; the mean of its last layer over the tokens is its vector (the way this sentence-embedding model is used). Texts of similar meaning point in similar directions.",
        "zh": "每段文字都经过整个模型；最后一层在各 token 上的平均就是它的向量（这个句向量模型本来的用法）。意思相近的文字，向量方向也相近。",
    },
    "lesson2_similarity_word": {
        "en": "Each text's vector is the mean of the embedding rows W_E of its word pieces: no context, no word order. Compare with the whole model's vectors above.",
        "zh": "每段文字的向量是它各个子词在 W_E 中的行的平均：没有上下文，也没有词序。可以与上面整个模型的向量比较。",
    },
    "lesson2_similarity_title": {"en": "cos(q, k_i) for the query \"{query}\"", "zh": "查询“{query}”的 cos(q, k_i)"},
    "lesson2_col_similarity": {"en": "similarity", "zh": "相似度"},
    "lesson2_sec_softmax": {"en": "Step 2 · Softmax turns scores into weights", "zh": "第 2 步 · softmax 把分数变成权重"},
    "lesson2_rule_here": {"en": "**This page:** cosine divided by a temperature τ", "zh": "**本页**：余弦相似度除以温度 τ"},
    "lesson2_rule_transformer": {
        "en": "**A Transformer** (Vaswani et al. 2017): the dot product divided by √d_k",
        "zh": "**Transformer**（Vaswani 等 2017）：点积除以 √d_k",
    },
    "lesson2_softmax_text": {
        "en": "Dividing by the temperature τ spreads the scores apart; the softmax makes them positive and sum to 1. Move the τ slider: a small τ gives almost all the weight to the best match, a large τ spreads it evenly.",
        "zh": "除以温度 τ 会拉开分数之间的差距；softmax 让它们都为正且和为 1。拖动 τ 滑块：τ 很小时，几乎全部权重都给最匹配的商品；τ 很大时，权重被平均分配。",
    },
    "lesson2_scaled_text": {
        "en": "The two rules differ. The cosine ignores the vectors' lengths; q·k does not. For these unit vectors q·k/√d_k is exactly cos/√{d}, i.e. τ = {root}: the largest weight would then be {top}, hardly more than the uniform {uniform}. In a Transformer, q and k are not unit vectors: their lengths, learned in W_Q and W_K, play the role of 1/τ, and √d_k only keeps the scores from growing with the dimension.",
        "zh": "两种规则并不相同。余弦相似度不看向量的长度，q·k 则要看。对这里的单位向量，q·k/√d_k 恰好等于 cos/√{d}，也就是 τ = {root}：此时最大的权重只有 {top}，几乎不比平均值 {uniform} 大。在 Transformer 中，q 和 k 不是单位向量：它们的长度由 W_Q 和 W_K 学得，起着 1/τ 的作用，而 √d_k 只是防止分数随维度增大而变大。",
    },
    "lesson2_weights_title": {"en": "Attention weights w_i (they sum to 1)", "zh": "注意力权重 w_i（和为 1）"},
    "lesson2_col_weight": {"en": "weight", "zh": "权重"},
    "lesson2_sec_output": {"en": "Step 3 · The weighted sum of the values", "zh": "第 3 步 · 值的加权和"},
    "lesson2_output_title": {"en": "Output Σ w_i·v_i for \"{query}\": one number per feature", "zh": "“{query}”的输出 Σ w_i·v_i：每个特征一个数"},
    "lesson2_output_axis": {"en": "share of the weight", "zh": "所占权重"},
    "lesson2_output_text": {
        "en": "The answer is not an item and not a ranked list: it is **one vector**, a blend of all the values. Each feature gets the total weight of the items that have it, so a query that matches two kinds of item gets a mixture of both. In a Transformer the values are learned vectors, and this blend becomes the token's new representation.",
        "zh": "答案既不是某一件商品，也不是一个排好序的列表：它是**一个向量**，即所有值的混合。每个特征得到的是具有该特征的商品的权重之和，所以同时匹配两类商品的查询会得到两者的混合。在 Transformer 中，值是学习得到的向量，这个混合就成为该 token 的新表示。",
    },
    "lesson2_ranking_notes_say": {
        "en": "step 4 multiplies the similarities by the values and returns these weighted values, \"that is, pushes the sorted items to us\" (attention-mechanism.txt).",
        "zh": "第四步用相似性乘以价值 V，返回带权重的价值，“也就是把排序好的商品推送给我们”（attention-mechanism.txt）。",
    },
    "lesson2_ranking_in_fact": {
        "en": "attention sorts nothing. Its output is the sum Σ w_i·v_i: one vector, the size of one value, in which every item counts by its weight. A search engine ranks by the weights; attention blends by them.",
        "zh": "注意力不做任何排序。它的输出是和 Σ w_i·v_i：一个与单个值同样大小的向量，每件商品按其权重计入。搜索引擎按权重排序；注意力按权重混合。",
    },
    "lesson2_q_prompt": {
        "en": "For the query **{query}**, which item will get the largest weight?",
        "zh": "对于查询 **{query}**，哪件商品会得到最大的权重？",
    },
    "lesson2_q_explain": {
        "en": "\"{item}\" has the highest similarity ({cos}) and so the largest weight: {weight}.",
        "zh": "“{item}”的相似度最高（{cos}），所以权重最大：{weight}。",
    },
}
