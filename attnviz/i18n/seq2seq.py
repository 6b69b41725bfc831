"""Strings of the encoder–decoder pages: Translation, Why attention, Train it yourself (issue #13)."""

STRINGS = {
    # --- navigation ---
    "s2s_section": {"en": "Translation (seq2seq)", "zh": "翻译（编码器–解码器）"},
    "s2s_nav_translation": {"en": "Translation (cross-attention)", "zh": "翻译（交叉注意力）"},
    "s2s_nav_why": {"en": "Why attention (the bottleneck)", "zh": "为什么需要注意力（瓶颈）"},
    "s2s_nav_train": {"en": "Train it yourself", "zh": "亲手训练"},
    "s2s_link_translation": {"en": "See cross-attention in a trained translator", "zh": "在训练好的翻译模型中看交叉注意力"},
    "s2s_link_why": {"en": "Why attention: the RNN bottleneck, and additive scoring on a trained model", "zh": "为什么需要注意力：RNN 的瓶颈，以及训练好的模型上的加性打分"},
    "s2s_link_lesson4": {"en": "Lesson 4: the scoring rules on random vectors", "zh": "第 4 课：随机向量上的打分函数"},
    # --- figures ---
    "s2s_axis_source": {"en": "source (keys and values)", "zh": "源序列（键和值）"},
    "s2s_axis_output": {"en": "output (queries)", "zh": "输出（查询）"},
    "s2s_layer_panel": {"en": "decoder layer {layer}", "zh": "解码器第 {layer} 层"},
    "s2s_row_input": {"en": "decoder input", "zh": "解码器输入"},
    "s2s_row_label": {"en": "label (to predict)", "zh": "标签（要预测的）"},
    "s2s_position": {"en": "position", "zh": "位置"},
    "s2s_source_length": {"en": "source length (characters)", "zh": "源序列长度（字符数）"},
    "s2s_accuracy": {"en": "exact-match accuracy", "zh": "完全匹配准确率"},
    "s2s_accuracy_percent": {"en": "exact-match accuracy (%)", "zh": "完全匹配准确率（%）"},
    "s2s_examples": {"en": "examples", "zh": "样例数"},
    "s2s_loss": {"en": "training loss (cross-entropy)", "zh": "训练损失（交叉熵）"},
    "s2s_step": {"en": "training step", "zh": "训练步数"},
    "s2s_entropy": {"en": "mean entropy of the cross-attention (bits)", "zh": "交叉注意力的平均熵（比特）"},
    "s2s_uniform": {"en": "uniform", "zh": "均匀分布"},
    # --- shared widgets and messages ---
    "s2s_source_label": {"en": "Source (a date in English or Chinese)", "zh": "源文本（英文或中文日期）"},
    "s2s_empty_source": {"en": "Type a date to translate, or pick an example.", "zh": "请输入要翻译的日期，或选择一个示例。"},
    "s2s_local_shown": {
        "en": "Shown: the model in {folder} ({n_encoder} encoder and {n_decoder} decoder layers, {n_heads} heads, a vocabulary of {d_vocab} tokens). The introduction above speaks of the bundled translator.",
        "zh": "当前显示：{folder} 中的模型（{n_encoder} 个编码器层、{n_decoder} 个解码器层，{n_heads} 个注意力头，词表 {d_vocab} 个 token）。上面的介绍说的是内置的翻译模型。",
    },
    "err_s2s_needs_encoder_decoder": {
        "en": "{name} is not an encoder–decoder model: this page needs one (the bundled toy-seq2seq, a BART, Marian or T5 folder, or a folder scripts/train_seq2seq.py wrote). Open an encoder or a decoder on the Attention Explorer.",
        "zh": "{name} 不是编码器–解码器模型：本页需要这样的模型（内置的 toy-seq2seq，BART、Marian、T5 模型文件夹，或 scripts/train_seq2seq.py 写出的文件夹）。编码器或解码器请在“注意力探查器”中打开。",
    },
    "err_s2s_needs_encoder_or_decoder": {
        "en": "{name} is an encoder–decoder model (BART, Marian, T5 or attnviz's translator): this page shows encoders and decoders (BERT, GPT-2, Llama). Open it on the page Translation (cross-attention).",
        "zh": "{name} 是编码器–解码器模型（BART、Marian、T5 或 attnviz 的翻译模型）：本页展示编码器和解码器（BERT、GPT-2、Llama）。请在“翻译（交叉注意力）”页面中打开它。",
    },
    "s2s_prev": {"en": "previous output token", "zh": "上一个输出 token"},
    "s2s_next": {"en": "next output token", "zh": "下一个输出 token"},
    "s2s_step_label": {"en": "Output step", "zh": "输出步"},
    "s2s_head_mean": {"en": "mean of the heads", "zh": "各头平均"},
    "err_s2s_unknown_characters": {
        "en": "The translator's vocabulary has no {chars}: it would read each as its unknown token. Remove or replace them (the bundled translator knows digits, Latin letters, the Chinese numerals, 年月日号星期, the space and , . ; / -).",
        "zh": "翻译模型的词表里没有 {chars}：它会把它们都读成“未知”token。请删除或替换它们（内置翻译模型认识数字、拉丁字母、中文数字、“年月日号星期”、空格以及标点“, . ; / -”）。",
    },
    # --- Translation ---
    "s2s_tr_title": {"en": "Translation: cross-attention", "zh": "翻译：交叉注意力"},
    "s2s_tr_intro": {
        "en": "A small encoder–decoder Transformer (Vaswani et al. 2017), trained by this project's own script, rewrites a date written in English or Chinese as ISO 8601, one character per token. In each decoder block, **cross-attention** takes its queries from the decoder and its keys and values from the encoder's output: every output token weighs every source token. Every number below is the model's own.",
        "zh": "一个小型编码器–解码器 Transformer（Vaswani 等，2017），由本项目自己的脚本训练，把用英文或中文写的日期改写为 ISO 8601 格式，每个字符一个 token。每个解码器块里的**交叉注意力**，查询来自解码器，键和值来自编码器的输出：每个输出 token 都给每个源 token 一个权重。下面的每个数字都来自模型本身。",
    },
    "s2s_tr_output": {
        "en": "**{source}** → **{output}** ({n} output tokens, the last the end token; greedy: each step the most probable token).",
        "zh": "**{source}** → **{output}**（{n} 个输出 token，最后一个是结束 token；贪心解码：每一步取概率最高的 token）。",
    },
    "s2s_tr_so_far": {
        "en": "Step {step}: given **{given}**, having written **{written}**, the decoder now writes **{token}** (the row outlined in red).",
        "zh": "第 {step} 步：输入 **{given}**，已写出 **{written}**，解码器这一步写出 **{token}**（红框标出的那一行）。",
    },
    "s2s_decoder_layer": {"en": "Decoder layer", "zh": "解码器层"},
    "s2s_encoder_layer": {"en": "Encoder layer", "zh": "编码器层"},
    "s2s_alignment_title": {"en": "Alignment: cross-attention, decoder layer {layer}, {head}", "zh": "对齐：交叉注意力，解码器第 {layer} 层，{head}"},
    "s2s_alignment_caption": {
        "en": "Each row is one output token (a query), each column one source token (a key); a row sums to 1. Where the year's digits of the output attend to the year in the source, and the month to the month's name, the model has learned an alignment, as Bahdanau et al. 2015 (Figure 3) show for translation.",
        "zh": "每一行是一个输出 token（查询），每一列是一个源 token（键）；每行之和为 1。如果输出中年份的数字关注源文本中的年份、月份关注月份名，说明模型学到了对齐，正如 Bahdanau 等（2015，图 3）在翻译中所展示的。",
    },
    "s2s_multiples_title": {"en": "Step {step} ({token}): every layer and head", "zh": "第 {step} 步（{token}）：各层各头"},
    "s2s_multiples_caption": {
        "en": "The same output step in every decoder layer (panels) and head (rows): heads of one layer often read different parts of the source.",
        "zh": "同一个输出步在每个解码器层（分图）和每个头（行）中的权重：同一层的不同头常常读源序列的不同部分。",
    },
    "s2s_sub_teacher": {"en": "Shifted right: teacher forcing", "zh": "右移一位：教师强制（teacher forcing）"},
    "s2s_teacher_text": {
        "en": "The decoder's input is the output **shifted right** by one position: it starts with the start token, and at position i it is given the token of position i − 1, never the one it must predict (the causal mask hides the later ones). In training the input row holds the *correct* target (teacher forcing), so every position learns at once from one forward pass; here, as at inference, it holds the model's own greedy output.",
        "zh": "解码器的输入是输出**右移一位**的结果：它以起始 token 开头，第 i 个位置得到的是第 i − 1 个位置的 token，而不是它要预测的那个（因果掩码遮住了后面的 token）。训练时输入行放的是*正确的*目标（教师强制），所以一次前向传播里每个位置同时学习；这里与推理时一样，放的是模型自己贪心解码的输出。",
    },
    "s2s_sub_self": {"en": "Beside it: the two self-attentions", "zh": "旁边：两种自注意力"},
    "s2s_encoder_title": {"en": "Encoder self-attention, layer {layer}, {head}", "zh": "编码器自注意力，第 {layer} 层，{head}"},
    "s2s_encoder_caption": {"en": "Source tokens attend to each other in both directions: no mask.", "zh": "源 token 之间双向相互关注：没有掩码。"},
    "s2s_decoder_title": {"en": "Decoder masked self-attention, layer {layer}, {head}", "zh": "解码器带掩码的自注意力，第 {layer} 层，{head}"},
    "s2s_decoder_caption": {
        "en": "Each decoder input token attends only to itself and earlier ones: the causal mask makes the upper triangle 0.",
        "zh": "每个解码器输入 token 只关注自己和之前的 token：因果掩码使上三角为 0。",
    },
    "s2s_all_heads": {"en": "Every layer's and head's alignment", "zh": "每一层、每个头的对齐图"},
    "s2s_all_heads_title": {"en": "Cross-attention of every decoder layer (rows) and head (columns)", "zh": "每个解码器层（行）和每个头（列）的交叉注意力"},
    # --- Why attention ---
    "s2s_why_title": {"en": "Why attention: the bottleneck", "zh": "为什么需要注意力：瓶颈"},
    "s2s_why_intro": {
        "en": "An RNN encoder–decoder without attention must squeeze the whole source into one fixed-size vector, its last hidden state, and the decoder sees nothing else: the longer the source, the more is lost. Bahdanau et al. (2015) let the decoder look back at every encoder state at every step, weighted by an **additive** score. Below, two GRU encoder–decoders trained by the same script on the same task (one or more dates in a source, each to ISO), one without and one with Bahdanau attention.",
        "zh": "没有注意力的 RNN 编码器–解码器必须把整个源序列压进一个固定大小的向量（最后一个隐藏状态），解码器看不到别的：源序列越长，丢失越多。Bahdanau 等（2015）让解码器在每一步都能回看编码器的每个状态，按**加性**打分加权。下面是用同一个脚本、在同一个任务上训练的两个 GRU 编码器–解码器（源文本里有一个或多个日期，各自转成 ISO 格式）：一个没有注意力，一个有 Bahdanau 注意力。",
    },
    "s2s_curve_title": {"en": "Exact-match accuracy against source length (cf. Bahdanau et al. 2015, Figure 2)", "zh": "完全匹配准确率与源序列长度（参见 Bahdanau 等 2015，图 2）"},
    "s2s_curve_caption": {
        "en": "Measured by the training script on {n} held-out sources it never trained on (seed {seed}), read from the models' manifests. The task: 1 to {max_dates} dates in one source, each written in English or Chinese, joined by “; ” → their ISO dates joined by spaces.",
        "zh": "由训练脚本在 {n} 个训练时从未见过的留出源文本上测得（随机种子 {seed}），读自模型的清单文件。任务：一个源文本里有 1 到 {max_dates} 个日期，每个用英文或中文书写，以“; ”连接 → 各自的 ISO 日期，以空格连接。",
    },
    "s2s_curve_reading": {
        "en": "Read it: the GRU without attention ({plain_steps} training steps) gets {plain_first:.0%} of the shortest sources ({first} characters) right, and less as the sources grow: {plain_last:.0%} of the longest ({last}). Its decoder sees the whole source only as one fixed-size vector. The GRU with attention, trained for {attn_steps} steps, gets at least {attn_min:.0%} in every bucket: at each output step it looks back at every source character. This is the shape of Bahdanau et al. 2015, Figure 2, in small.",
        "zh": "怎么读：没有注意力的 GRU（训练 {plain_steps} 步）在最短的源文本（{first} 个字符）上答对 {plain_first:.0%}，源文本越长答对越少：最长的（{last}）只答对 {plain_last:.0%}。它的解码器只能通过一个固定长度的向量看到整个源文本。有注意力的 GRU 训练了 {attn_steps} 步，在每一档都至少答对 {attn_min:.0%}：每输出一步，它都回看每个源字符。这就是 Bahdanau 等人 2015 年论文图 2 的形状，只是规模小。",
    },
    "s2s_curve_reading_untrained": {
        "en": "Read it honestly: the GRU without attention ({plain_steps} training steps) gets {plain_first:.0%} of the shortest sources ({first} characters) right and {plain_last:.0%} of the longest ({last}); the one with attention ({attn_steps} steps) gets at least {attn_min:.0%} in every bucket. The bottleneck shows here as a model that has barely learnt the task yet, not as Bahdanau et al.'s fall with length.",
        "zh": "如实地读：没有注意力的 GRU（训练 {plain_steps} 步）在最短的源文本（{first} 个字符）上答对 {plain_first:.0%}，在最长的（{last}）上答对 {plain_last:.0%}；有注意力的（训练 {attn_steps} 步）在每一档都至少答对 {attn_min:.0%}。这里的瓶颈表现为模型几乎还没学会这个任务，而不是 Bahdanau 等论文中随长度下降的曲线。",
    },
    "s2s_model_plain": {"en": "GRU, no attention", "zh": "GRU，无注意力"},
    "s2s_model_attention": {"en": "GRU + Bahdanau attention", "zh": "GRU + Bahdanau 注意力"},
    "s2s_why_sub_live": {"en": "A live example", "zh": "现场示例"},
    "s2s_why_plain_output": {"en": "Without attention: **{output}**", "zh": "无注意力：**{output}**"},
    "s2s_why_attn_output": {"en": "With attention: **{output}**", "zh": "有注意力：**{output}**"},
    "s2s_why_expected": {"en": "Expected: {expected}. Without attention: {plain}; with attention: {attn}.", "zh": "正确答案：{expected}。无注意力：{plain}；有注意力：{attn}。"},
    "s2s_verdict_True": {"en": "correct", "zh": "正确"},
    "s2s_verdict_False": {"en": "wrong", "zh": "错误"},
    "s2s_why_weights_title": {"en": "Bahdanau attention weights of the trained GRU", "zh": "训练好的 GRU 的 Bahdanau 注意力权重"},
    "s2s_why_weights_caption": {
        "en": "Each row is one output step: the weights α the decoder gave the encoder's states (the annotations h_j) before writing that token (Bahdanau et al. 2015, eq. 6).",
        "zh": "每一行是一个输出步：解码器在写出该 token 之前给编码器各状态（注释向量 h_j）的权重 α（Bahdanau 等 2015，式 6）。",
    },
    "s2s_why_sub_scoring": {"en": "Lesson 4's scoring rules on the trained vectors", "zh": "第 4 课的打分函数，用在训练好的向量上"},
    "s2s_why_scoring_text": {
        "en": "At the chosen step the query is the decoder's previous hidden state s (size {d_dec}) and the keys are the encoder's states h_j (size {d_enc}). The additive rule uses the model's own trained W and v: these are the weights it actually used. The dot-product rules score the same vectors with no parameters, which this model was never trained with: compare how sharp each is.",
        "zh": "在所选的步上，查询是解码器上一步的隐藏状态 s（大小 {d_dec}），键是编码器的各个状态 h_j（大小 {d_enc}）。加性打分用的是模型自己训练出的 W 和 v：这正是它实际使用的权重。点积类打分对同样的向量打分、不带参数，而这个模型从未用它们训练过：比较它们各自有多集中。",
    },
    "s2s_why_scoring_title": {"en": "Weights over the source at step {step} ({token})", "zh": "第 {step} 步（{token}）对源序列的权重"},
    "s2s_why_scoring_caption": {
        "en": "The additive weights recomputed here from the model's parameters differ from those the model used by at most {difference}.",
        "zh": "这里用模型参数重新计算的加性权重，与模型实际使用的权重最多相差 {difference}。",
    },
    # --- Train it yourself ---
    "s2s_train_title": {"en": "Train it yourself", "zh": "亲手训练"},
    "s2s_train_intro": {
        "en": "Train a small encoder–decoder Transformer from random weights, here and now, on the same date task (a smaller model and fewer steps than the bundled one, to finish within a minute on two CPU cores). Watch the loss fall, and the cross-attention of one fixed example go from spread out to aligned. Nothing is saved: the model lives only while it trains.",
        "zh": "在这里从随机权重开始训练一个小型编码器–解码器 Transformer，任务还是日期转换（模型比内置的更小、步数更少，在两个 CPU 核上一分钟内完成）。看损失下降，看一个固定例子的交叉注意力从分散变为对齐。不保存任何东西：模型只在训练期间存在。",
    },
    "s2s_train_config": {
        "en": "d_model {d_model}, {heads} heads, {layers} encoder and {layers} decoder layers, {steps} steps of {batch} pairs, a snapshot every {every} steps; held-out accuracy on {n_eval} pairs; seed {seed}; stopped after {limit} s at the latest.",
        "zh": "d_model {d_model}，{heads} 个头，编码器和解码器各 {layers} 层，{steps} 步、每步 {batch} 对，每 {every} 步一个快照；在 {n_eval} 对留出数据上测准确率；随机种子 {seed}；最多运行 {limit} 秒。",
    },
    "s2s_train_start": {"en": "Start training", "zh": "开始训练"},
    "s2s_train_cancel": {"en": "Cancel the training", "zh": "取消训练"},
    "s2s_train_busy": {
        "en": "A training is running on this server ({percent} % done); one runs at a time. Wait for it to finish: this page updates by itself.",
        "zh": "本服务器上正有一个训练在运行（已完成 {percent} %）；同一时间只运行一个。请等它结束：本页会自动更新。",
    },
    "s2s_train_progress": {"en": "Step {step} of {total} ({seconds} s)", "zh": "第 {step} 步，共 {total} 步（{seconds} 秒）"},
    "s2s_train_curves_title": {"en": "Training loss and held-out accuracy", "zh": "训练损失与留出数据准确率"},
    "s2s_train_status_done": {"en": "Trained: {step} steps in {seconds} s.", "zh": "训练完成：{step} 步，用时 {seconds} 秒。"},
    "s2s_train_status_timeout": {
        "en": "Stopped at the time limit after {step} of {total} steps ({seconds} s): this server is busy, so fewer steps ran.",
        "zh": "已到时间上限，在第 {step} 步（共 {total} 步）停止（{seconds} 秒）：服务器繁忙，所以跑的步数较少。",
    },
    "s2s_train_status_cancelled": {"en": "Cancelled after {step} of {total} steps ({seconds} s).", "zh": "已在第 {step} 步（共 {total} 步）取消（{seconds} 秒）。"},
    "s2s_train_status_failed": {"en": "The training stopped with an error: {error}", "zh": "训练因错误停止：{error}"},
    "s2s_train_status_running": {"en": "Step {step} of {total}.", "zh": "第 {step} 步，共 {total} 步。"},
    "s2s_train_accuracy": {"en": "Last held-out exact-match accuracy: {accuracy} % on {n} pairs.", "zh": "最后一次留出数据完全匹配准确率：{accuracy} %（{n} 对）。"},
    "s2s_train_sub_snapshots": {"en": "Cross-attention sharpening, snapshot by snapshot", "zh": "交叉注意力逐步变得集中：一个快照接一个快照"},
    "s2s_train_snapshots_text": {
        "en": "The fixed example **{source}** → **{target}**, teacher-forced, its cross-attention (last decoder layer, mean of the heads) at each snapshot.",
        "zh": "固定的例子 **{source}** → **{target}**，使用教师强制，每个快照时它的交叉注意力（最后一个解码器层，各头平均）。",
    },
    "s2s_train_snapshot": {"en": "Snapshot", "zh": "快照"},
    "s2s_train_snapshot_title": {"en": "After {step} steps: the model writes {output}", "zh": "{step} 步之后：模型写出 {output}"},
    "s2s_train_sharpness_title": {"en": "From uniform to aligned", "zh": "从均匀到对齐"},
    "s2s_train_sharpness_caption": {
        "en": "Mean entropy of the example's cross-attention rows: {first} bits at the first snapshot, {last} bits at the last; a uniform row has {uniform} bits.",
        "zh": "这个例子交叉注意力各行的平均熵：第一个快照 {first} 比特，最后一个快照 {last} 比特；均匀分布的一行是 {uniform} 比特。",
    },
}
