"""Strings of Lesson 9."""

STRINGS = {
    "lesson9_numbers": {
        "en": "The weights on this page are read from two live captures of your sentences by the bundled model {name}; the counts below are computed from them with the margin you set.",
        "zh": "本页的权重读自内置模型 {name} 对你的两个句子的实时捕获；下方的计数由这些权重按你设定的阈值算出。",
    },
    "lesson9_intro": {
        "en": "\"The animal didn't cross the street because it was too tired.\" — *it* is the animal. Change one word, \"… too wide\", and *it* is the street. Does the model notice? Look at every layer and head at once.",
        "zh": "“The animal didn't cross the street because it was too tired.”——*it* 指动物。只改一个词，“… too wide”，*it* 就变成了街道。模型注意到了吗？一次看遍每一层、每一个头。",
    },
    "lesson9_sentence_a": {"en": "Sentence A", "zh": "句子 A"},
    "lesson9_sentence_b": {"en": "Sentence B", "zh": "句子 B"},
    "lesson9_query": {"en": "Query word", "zh": "查询词"},
    "lesson9_key1": {"en": "First candidate (what it means in A)", "zh": "第一个候选词（在 A 中的所指）"},
    "lesson9_key1_help": {
        "en": "Write sentence A so that the query word refers to this word.",
        "zh": "请让句子 A 中的查询词指向这个词。",
    },
    "lesson9_key2": {"en": "Second candidate (what it means in B)", "zh": "第二个候选词（在 B 中的所指）"},
    "lesson9_key2_help": {
        "en": "Write sentence B so that the query word refers to this word.",
        "zh": "请让句子 B 中的查询词指向这个词。",
    },
    "lesson9_threshold": {"en": "Margin (difference of attention weights)", "zh": "阈值（注意力权重之差）"},
    "lesson9_threshold_help": {
        "en": "A head counts only if its weights differ by at least this much: 0.05 means 5 % of the query's attention. At 0 any change of sign counts, even 0.0001.",
        "zh": "只有权重之差至少达到这个值的头才计入：0.05 表示查询词 5% 的注意力。设为 0 时，任何符号变化都算，哪怕只有 0.0001。",
    },
    "lesson9_sec_sentences": {"en": "Two sentences", "zh": "两个句子"},
    "lesson9_sentences_text": {
        "en": "For every head we read one row of its attention: the weights of **{query}** (the query) on **{key1}** and on **{key2}** (the keys), in both sentences. Any two sentences can be compared the same way: type your own above (a Winograd pair works best), with **{query}** meaning **{key1}** in A and **{key2}** in B.",
        "zh": "对每个头，我们读出其注意力的一行：**{query}**（查询）分给 **{key1}** 和 **{key2}**（键）的权重，两个句子都读。任何两个句子都能这样比较：在上方输入你自己的句子（Winograd 式的句子对效果最好），让 **{query}** 在 A 中指 **{key1}**，在 B 中指 **{key2}**。",
    },
    "lesson9_sec_maps": {"en": "Every layer and head", "zh": "每一层、每一个头"},
    "lesson9_maps_text": {
        "en": "Each cell is one head: its weight of \"{query}\" on \"{key1}\" minus its weight on \"{key2}\". Red prefers \"{key1}\", blue prefers \"{key2}\", white neither. A solid frame marks a head that flips the right way between the sentences, a dotted frame one that flips the wrong way (both with the margin set above).",
        "zh": "每个格子是一个头：“{query}”分给“{key1}”的权重减去分给“{key2}”的权重。红色偏向“{key1}”，蓝色偏向“{key2}”，白色两者都不偏。实线框标出在两个句子之间按正确方向翻转的头，点线框标出按错误方向翻转的头（都以上方设定的阈值为准）。",
    },
    "lesson9_maps_scale": {
        "en": "Both maps use the same colour range, −{limit} (all on \"{key2}\") to +{limit} (all on \"{key1}\"), so equal colours mean equal numbers.",
        "zh": "两张图使用同一个颜色范围：−{limit}（全部给“{key2}”）到 +{limit}（全部给“{key1}”），所以相同的颜色代表相同的数值。",
    },
    "lesson9_map_title": {"en": "Sentence {sentence}: {key1} − {key2}", "zh": "句子 {sentence}：{key1} − {key2}"},
    "lesson9_sec_changed": {"en": "Which heads change, and which way", "zh": "哪些头改变了偏好，朝哪个方向"},
    "lesson9_shift_text": {
        "en": "A head's **shift** is its preference in A minus its preference in B. If it follows the meaning, it moves towards \"{key1}\" in A and towards \"{key2}\" in B: a positive shift. A negative shift moves the wrong way. Every head, sorted; the dashed lines are ± the margin.",
        "zh": "一个头的**变化量**是它在 A 中的偏好减去在 B 中的偏好。如果它跟随句意，在 A 中会偏向“{key1}”，在 B 中会偏向“{key2}”：变化量为正。变化量为负则朝错误方向移动。下图是所有头，已排序；虚线是 ± 阈值。",
    },
    "lesson9_shift_title": {"en": "Shift of every head (A − B), sorted", "zh": "每个头的变化量（A − B），已排序"},
    "lesson9_shift_x": {"en": "heads, sorted by shift", "zh": "按变化量排序的头"},
    "lesson9_shift_y": {"en": "shift towards the right referent", "zh": "朝正确所指的变化量"},
    "lesson9_right_flips": {"en": "flip the right way", "zh": "按正确方向翻转"},
    "lesson9_wrong_flips": {"en": "flip the wrong way", "zh": "按错误方向翻转"},
    "lesson9_leans_right": {"en": "shift the right way", "zh": "朝正确方向变化"},
    "lesson9_leans_wrong": {"en": "shift the wrong way", "zh": "朝错误方向变化"},
    "lesson9_counts_text": {
        "en": "With a margin of {threshold}: **{right_flips}** of {total} heads flip the right way (they prefer \"{key1}\" in A and \"{key2}\" in B, each by at least the margin) and **{wrong_flips}** flip the wrong way. **{leans_right}** heads shift the right way by at least the margin, **{leans_wrong}** the wrong way. Without any margin, {right_a} heads prefer \"{key1}\" in A and {right_b} prefer \"{key2}\" in B.",
        "zh": "阈值为 {threshold} 时：{total} 个头中有 **{right_flips}** 个按正确方向翻转（在 A 中偏向“{key1}”、在 B 中偏向“{key2}”，且都至少达到阈值），**{wrong_flips}** 个按错误方向翻转。**{leans_right}** 个头朝正确方向的变化量至少达到阈值，**{leans_wrong}** 个朝错误方向。不设阈值时，A 中有 {right_a} 个头偏向“{key1}”，B 中有 {right_b} 个头偏向“{key2}”。",
    },
    "lesson9_verdict_flips": {
        "en": "**What this shows:** more heads flip the right way ({right_flips}) than the wrong way ({wrong_flips}), more unevenly than chance would split them (if each flip were a coin toss, a split this uneven would come up with probability {p_flips}). These heads follow the meaning of \"{query}\".",
        "zh": "**这说明**：按正确方向翻转的头（{right_flips} 个）多于按错误方向翻转的（{wrong_flips} 个），其悬殊程度超出了偶然（如果每次翻转都像抛硬币，出现至少这样悬殊的分布的概率是 {p_flips}）。这些头跟随了“{query}”的含义。",
    },
    "lesson9_verdict_leans": {
        "en": "**What this shows:** the flips do not clearly favour the right way ({right_flips} vs {wrong_flips}), but the shifts do: {leans_right} heads shift the right way and {leans_wrong} the wrong way (a coin would split this unevenly with probability {p_shifts}). The model notices the change a little, inside heads that mostly keep their preferred word.",
        "zh": "**这说明**：翻转并没有明显偏向正确方向（{right_flips} 对 {wrong_flips}），但变化量偏向了：{leans_right} 个头朝正确方向变化，{leans_wrong} 个朝错误方向（抛硬币得到至少这样悬殊的分布的概率是 {p_shifts}）。模型稍微注意到了这一变化，但这些头大多仍偏向原来的词。",
    },
    "lesson9_verdict_barely": {
        "en": "**What this shows:** the right way and the wrong way are not clearly apart: flips {right_flips} vs {wrong_flips}, shifts {leans_right} vs {leans_wrong} (a coin would split them at least this unevenly with probability {p_flips} and {p_shifts}). This small model barely notices what \"{query}\" refers to, at least not in where its heads look.",
        "zh": "**这说明**：正确方向与错误方向没有明显差别：翻转 {right_flips} 对 {wrong_flips}，变化 {leans_right} 对 {leans_wrong}（抛硬币得到至少这样悬殊的分布的概率分别是 {p_flips} 和 {p_shifts}）。这个小模型几乎没有注意到“{query}”指的是什么，至少从它的头关注的位置看不出来。",
    },
    "lesson9_col_kind": {"en": "what it does", "zh": "变化类型"},
    "lesson9_col_shift": {"en": "shift", "zh": "变化量"},
    "lesson9_kind_right_flip": {"en": "flips the right way", "zh": "按正确方向翻转"},
    "lesson9_kind_wrong_flip": {"en": "flips the wrong way", "zh": "按错误方向翻转"},
    "lesson9_kind_leans_right": {"en": "shifts the right way", "zh": "朝正确方向变化"},
    "lesson9_kind_leans_wrong": {"en": "shifts the wrong way", "zh": "朝错误方向变化"},
    "lesson9_pick_head": {"en": "Head", "zh": "注意力头"},
    "lesson9_open": {"en": "Open in the Explorer", "zh": "在注意力探查器中打开"},
    "lesson9_q_prompt": {
        "en": "In sentence A, which token will **{token}** attend to most in layer {layer}, head {head}?",
        "zh": "在句子 A 中，第 {layer} 层第 {head} 个头里，**{token}** 最关注哪个 token？",
    },
    "lesson9_q_explain": {
        "en": "Its largest weight goes to \"{token}\": {weight}.",
        "zh": "它最大的权重给了“{token}”：{weight}。",
    },
}
