"""Strings of Lesson 9."""

STRINGS = {
    "lesson9_numbers": {
        "en": "Every number on this page is computed live by the bundled model {name}.",
        "zh": "本页的所有数字都由内置模型 {name} 实时计算得出。",
    },
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
