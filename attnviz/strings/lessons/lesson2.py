"""Strings of Lesson 2."""

STRINGS = {
    "lesson2_numbers": {
        "en": "Every number on this page is computed live by the bundled model {name}.",
        "zh": "本页的所有数字都由内置模型 {name} 实时计算得出。",
    },
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
