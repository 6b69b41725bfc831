"""Strings of Lesson 1."""

STRINGS = {
    "lesson1_numbers": {
        "en": "Where the numbers come from: the embedding rows, their cosines and the nearest neighbours are read from the bundled model {name}'s own embedding matrix W_E; the one-hot codes, their cosines and the memory sizes are formulas (4 bytes per 32-bit number), not the model's.",
        "zh": "数字的来源：词嵌入行、它们的余弦相似度和近邻都取自内置模型 {name} 自己的词嵌入矩阵 W_E；独热编码、它们的余弦相似度和内存大小由公式算出（每个 32 位数占 4 字节），不是模型的输出。",
    },
    "lesson1_intro": {
        "en": "A model cannot read words, only numbers. Two ways to turn a word into numbers: a one-hot code, as long as the vocabulary, or a short learned vector, an *embedding*. Type your own words and compare.",
        "zh": "模型读不懂文字，只认数字。把词变成数字有两种办法：与词表一样长的独热编码，或者一个短小的、学习得到的向量——*词嵌入*。输入你自己的词来比较。",
    },
    "lesson1_words": {"en": "Words (separated by commas or spaces)", "zh": "单词（用逗号或空格分隔）"},
    "lesson1_no_words": {"en": "Type at least one English word above.", "zh": "请在上方输入至少一个英文单词。"},
    "lesson1_sec_one_hot": {"en": "One-hot codes", "zh": "独热编码"},
    "lesson1_one_hot_text": {
        "en": "The model's tokenizer knows **{d_vocab}** tokens. A one-hot code gives each token a vector of that length: all zeros, and a single 1 at the token's id. A word the tokenizer splits into several word pieces gets one code per piece.",
        "zh": "模型的分词器认识 **{d_vocab}** 个 token。独热编码给每个 token 一个这么长的向量：全是 0，只在该 token 的编号处为 1。被分词器拆成多个子词的词，每个子词各有一个编码。",
    },
    "lesson1_col_word": {"en": "word", "zh": "单词"},
    "lesson1_col_pieces": {"en": "word pieces", "zh": "子词"},
    "lesson1_col_ids": {"en": "token ids", "zh": "token 编号"},
    "lesson1_col_length": {"en": "one-hot length", "zh": "独热向量长度"},
    "lesson1_lookup_text": {
        "en": "The model never builds these long vectors. Multiplying a one-hot code by the embedding matrix W_E ({d_vocab} rows × {d_model} columns) just picks one row, so the model looks the row up directly: a {d_model}-number vector per token.",
        "zh": "模型从不真正构造这些长向量。独热编码乘以词嵌入矩阵 W_E（{d_vocab} 行 × {d_model} 列）只是取出其中一行，所以模型直接查表：每个 token 得到一个 {d_model} 维的向量。",
    },
    "lesson1_sec_memory": {"en": "Memory for a sentence", "zh": "一个句子占多少内存"},
    "lesson1_memory_text": {
        "en": "This sentence is **{n}** tokens long (with [CLS] and [SEP]). Stored as 32-bit numbers:",
        "zh": "这个句子有 **{n}** 个 token（含 [CLS] 和 [SEP]）。按 32 位数字存储：",
    },
    "lesson1_memory_one_hot": {"en": "one-hot: {n} × {d_vocab} numbers", "zh": "独热编码：{n} × {d_vocab} 个数"},
    "lesson1_memory_embedding": {"en": "embeddings: {n} × {d_model} numbers", "zh": "词嵌入：{n} × {d_model} 个数"},
    "lesson1_memory_ratio": {"en": "one-hot needs", "zh": "独热编码所需内存是词嵌入的"},
    "lesson1_sec_dot": {"en": "Similarity: one-hot vs embeddings", "zh": "相似度：独热编码 vs 词嵌入"},
    "lesson1_dot_text": {
        "en": "Cosine similarity of every pair of your words. The one-hot codes of two different tokens never overlap, so their dot product is 0. A word of several word pieces is drawn here as the mean of its pieces' codes (as its embedding is the mean of its pieces' rows), so two such words that share a piece do overlap. The model's embeddings give graded similarities that training has made meaningful.",
        "zh": "你输入的每对单词的余弦相似度。两个不同 token 的独热编码从不重叠，所以点积为 0。由多个子词组成的词，这里画的是其各子词编码的平均（正如它的词嵌入是各子词所在行的平均），所以共享某个子词的两个词确实会重叠。模型的词嵌入则给出有层次的相似度，这些相似度是训练学出来的。",
    },
    "lesson1_dot_no_overlap": {
        "en": "None of your words shares a word piece with another, so every one-hot cosine off the diagonal is exactly 0: each word is as far from every other word, whatever they mean.",
        "zh": "你输入的词之间没有共享的子词，所以对角线以外的独热余弦相似度都恰好是 0：无论意思如何，每个词与其他词都一样远。",
    },
    "lesson1_dot_overlap": {
        "en": "\"{first}\" and \"{second}\" share the word piece {pieces}: their one-hot cosine is {cos}, not 0. That overlap comes from spelling, not from meaning.",
        "zh": "“{first}”和“{second}”共享子词 {pieces}：它们的独热余弦相似度是 {cos}，而不是 0。这种重叠来自拼写，而不是词义。",
    },
    "lesson1_cos_one_hot": {"en": "One-hot codes: cosine", "zh": "独热编码：余弦相似度"},
    "lesson1_cos_embedding": {"en": "Embeddings (W_E): cosine", "zh": "词嵌入（W_E）：余弦相似度"},
    "lesson1_sec_neighbours": {"en": "Nearest neighbours in the embedding matrix", "zh": "词嵌入矩阵中的近邻"},
    "lesson1_pick_word": {"en": "Word", "zh": "单词"},
    "lesson1_k": {"en": "How many neighbours", "zh": "近邻个数"},
    "lesson1_neighbours_text": {
        "en": "The rows of W_E closest to \"{word}\" by cosine similarity, searched over all {d_vocab} tokens of the vocabulary.",
        "zh": "在词表全部 {d_vocab} 个 token 中，按余弦相似度找到的与“{word}”最接近的 W_E 行。",
    },
    "lesson1_col_token": {"en": "token", "zh": "token"},
    "lesson1_col_id": {"en": "id", "zh": "编号"},
    "lesson1_col_cos": {"en": "cosine similarity", "zh": "余弦相似度"},
    "lesson1_neighbours_title": {"en": "Nearest neighbours of \"{word}\"", "zh": "“{word}”的近邻"},
    "lesson1_q_prompt": {
        "en": "Of your other words, which one is nearest to **{word}** in the model's embedding matrix?",
        "zh": "在你输入的其他单词中，哪一个在模型的词嵌入矩阵里离 **{word}** 最近？",
    },
    "lesson1_q_explain": {
        "en": "\"{best}\" has the highest cosine similarity with \"{word}\": {cos}. Their one-hot cosine is {one_hot_cos}: one-hot codes see only shared word pieces, never meaning.",
        "zh": "“{best}”与“{word}”的余弦相似度最高：{cos}。它们的独热余弦相似度是 {one_hot_cos}：独热编码只看得到共享的子词，看不到词义。",
    },
}
