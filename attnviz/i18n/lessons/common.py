"""Strings every lesson shares: the frame, predict-then-reveal, errors."""

STRINGS = {
    "lesson_section": {"en": "Lessons", "zh": "课程"},
    "lesson_notes_say": {"en": "The notes say:", "zh": "笔记中说："},
    "lesson_in_fact": {"en": "In fact:", "zh": "实际上："},
    "lesson_predict": {"en": "Predict, then reveal", "zh": "先预测，再揭晓"},
    "lesson_your_prediction": {"en": "Your prediction", "zh": "你的预测"},
    "lesson_pick_one": {"en": "Pick one…", "zh": "请选择…"},
    "lesson_reveal": {"en": "Reveal the model's answer", "zh": "揭晓模型的答案"},
    "lesson_right": {"en": "Right! The model says: {answer}", "zh": "答对了！模型的答案是：{answer}"},
    "lesson_wrong": {"en": "Not this time. The model says: {answer}", "zh": "这次没猜中。模型的答案是：{answer}"},
    "lesson_reveal_theory": {"en": "Reveal the theory's answer", "zh": "揭晓理论给出的答案"},
    "lesson_right_theory": {"en": "Right! The theory says: {answer}", "zh": "答对了！理论给出的答案是：{answer}"},
    "lesson_wrong_theory": {"en": "Not this time. The theory says: {answer}", "zh": "这次没猜中。理论给出的答案是：{answer}"},
    "lesson_no_question": {
        "en": "Give the lesson a little more input above and a question appears here.",
        "zh": "在上方多给一些输入，这里就会出现一道题。",
    },
    "lesson_yes": {"en": "Yes", "zh": "是"},
    "lesson_no": {"en": "No", "zh": "否"},
    "lesson_token": {"en": "Query token", "zh": "查询 token"},
    # errors (attnviz.errors, raised by attnviz.lessons)
    "lesson_err_unknown_word": {
        "en": "The model's vocabulary has no entry for '{word}' (it would be written [UNK]). Try an English word.",
        "zh": "模型的词表里没有“{word}”（它会被写成 [UNK]）。请换一个英文单词。",
    },
    "lesson_err_word_not_found": {
        "en": "'{word}' is not in the sentence. Its tokens are: {tokens}. Pick a word from the sentence.",
        "zh": "句子中没有“{word}”。句子的 token 是：{tokens}。请选择句子里的一个词。",
    },
    "lesson_err_catalogue_line": {
        "en": "Line {line} of the catalogue ('{text}') is not 'title | feature, feature, …' with at least one feature. Fix or delete that line.",
        "zh": "商品目录第 {line} 行（“{text}”）不是“标题 | 特征，特征，…”的格式（至少一个特征）。请修改或删除该行。",
    },
    "lesson_err_catalogue_empty": {
        "en": "The catalogue is empty: write one item per line, as 'title | feature, feature, …'.",
        "zh": "商品目录为空：请每行写一个商品，格式为“标题 | 特征，特征，…”。",
    },
    "lesson_err_value": {
        "en": "{name} = {value} is not allowed: it must be {allowed}.",
        "zh": "{name} = {value} 不可用：它必须是 {allowed}。",
    },
}
