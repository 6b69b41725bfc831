"""Strings of the export buttons, the capture's download and upload, and the query/key space page."""

STRINGS: dict[str, dict[str, str]] = {
    # --- export everywhere (attnviz.app.export) ---
    "export_menu": {"en": "Export", "zh": "导出"},
    "export_png_help": {"en": "The chart as a PNG image at presentation size (1600 × 900, twice the pixels).", "zh": "把图表存为演示尺寸的 PNG 图片（1600 × 900，像素加倍）。"},
    "export_svg_help": {"en": "The chart as an SVG vector image at presentation size (1600 × 900).", "zh": "把图表存为演示尺寸的 SVG 矢量图（1600 × 900）。"},
    "export_csv_help": {"en": "The numbers the heatmap shows, as CSV: one row per row of the chart (query tokens), one column per column (key tokens); a masked cell is empty.", "zh": "热力图上显示的数字，存为 CSV：图中每一行（查询 token）一行，每一列（键 token）一列；被遮蔽的格子留空。"},
    "export_no_browser": {"en": "PNG and SVG from the server need Chromium installed there; the camera icon above the chart saves a PNG in your browser.", "zh": "服务器端导出 PNG 和 SVG 需要在服务器上安装 Chromium；图表上方的相机图标可以在浏览器中保存 PNG。"},
    "export_capture_box": {"en": "Save or load a capture", "zh": "保存或载入捕获结果"},
    "export_capture_download": {"en": "Download the capture (safetensors)", "zh": "下载捕获结果（safetensors）"},
    "export_capture_help": {
        "en": "Everything this run captured (q, k, v, z, attn_out and the residual streams of every layer) in one safetensors file, with a JSON manifest: model, text, tokens, versions, hook names and shapes. Load it back here or with attnviz.Capture.load(path).",
        "zh": "这次运行捕获的全部内容（每一层的 q、k、v、z、attn_out 和残差流）存成一个 safetensors 文件，附带 JSON 清单：模型、文本、token、版本、钩子名称和形状。可以在这里重新载入，或在 Python 中用 attnviz.Capture.load 读取。",
    },
    "export_capture_too_large": {
        "en": "This capture holds {mb} MiB, more than the {most} MiB a capture file may have here; save it with the library instead: attnviz.load_model(...).run_with_capture(text).save(path).",
        "zh": "这个捕获结果有 {mb} MiB，超过此处捕获文件上限 {most} MiB；请改用库保存：attnviz.load_model(...).run_with_capture(text).save(path)。",
    },
    "export_capture_close": {"en": "Back to the typed text", "zh": "回到输入的文本"},
    "export_capture_evicted": {
        "en": "The loaded capture was let go to make room in the server's memory for other captures: load the file again.",
        "zh": "为给其他捕获结果腾出服务器内存，已载入的捕获结果被释放：请再次载入该文件。",
    },
    "export_capture_upload": {"en": "Load a saved capture (.safetensors)", "zh": "载入保存的捕获结果（.safetensors）"},
    "export_capture_upload_help": {"en": "A file saved with “Download the capture”: the Explorer shows it as it was captured, without running a model.", "zh": "用“下载捕获结果”保存的文件：注意力探查器按原样显示它，不会再运行模型。"},
    "export_capture_loaded": {
        "en": "Showing the loaded capture: model {model}, {n} tokens, {layers} layers × {heads} heads. Its text: “{text}”. Remove the file above to type again.",
        "zh": "正在显示载入的捕获结果：模型 {model}，{n} 个 token，{layers} 层 × {heads} 个头。文本：“{text}”。移除上面的文件即可重新输入。",
    },
    # --- query/key space (pages/qk_space.py) ---
    "qk_nav": {"en": "Query/key space", "zh": "查询/键空间"},
    "qk_title": {"en": "Query/key space of a head", "zh": "一个头的查询/键空间"},
    "qk_intro": {
        "en": "Every query vector and every key vector of one head over the probe set ({sentences} sentences and {repeats} random sequences repeated twice), drawn together in one plane, as in AttentionViz (Yeh et al. 2023): a query lies near the keys it gives a large score. Before projecting, the keys are moved so that their mean equals the queries' mean, and queries and keys are scaled to the same mean length; neither changes a single attention weight (the softmax of a row ignores a constant added to it, and q·c times k/c is q·k).",
        "zh": "一个头在探查集（{sentences} 个句子和 {repeats} 个重复两遍的随机序列）上的所有查询向量和键向量，画在同一个平面里，做法同 AttentionViz（Yeh 等人 2023）：查询落在它打分高的键附近。投影之前，先平移键，使键的均值等于查询的均值，再把查询和键缩放到相同的平均长度；这两步都不改变任何一个注意力权重（一行的 softmax 不受整行加同一常数的影响，q·c 乘 k/c 仍是 q·k）。",
    },
    "qk_computing": {"en": "Running {model} on the {n} probe inputs (once per model)…", "zh": "正在用 {model} 运行 {n} 个探查输入（每个模型只需一次）…"},
    "qk_method": {"en": "Projection", "zh": "投影方法"},
    "qk_method_pca": {"en": "PCA", "zh": "PCA"},
    "qk_method_umap": {"en": "UMAP", "zh": "UMAP"},
    "qk_running_pca": {"en": "Projecting with PCA…", "zh": "正在用 PCA 投影…"},
    "qk_running_umap": {"en": "Projecting with UMAP (its first run on this server compiles for a minute or two)…", "zh": "正在用 UMAP 投影（它在本服务器上的首次运行需要编译一两分钟）…"},
    "qk_colour": {"en": "Colour by", "zh": "着色依据"},
    "qk_colour_kind": {"en": "query or key", "zh": "查询或键"},
    "qk_colour_position": {"en": "position", "zh": "位置"},
    "qk_no_umap": {"en": "UMAP needs the optional package umap-learn (pip install umap-learn; it brings numba and scikit-learn): PCA only here.", "zh": "UMAP 需要可选的 umap-learn 包（pip install umap-learn，会一并安装 numba 和 scikit-learn）：此处只有 PCA。"},
    "qk_summary": {
        "en": "{n} queries and {n} keys of layer {layer}, head {head} (its key/value head: {kv}). Keys moved by a vector of length {shift:.3f}; queries scaled by {scale:.3f}, keys by its inverse.",
        "zh": "第 {layer} 层第 {head} 个头的 {n} 个查询和 {n} 个键（其键/值头：{kv}）。键平移了一个长度为 {shift:.3f} 的向量；查询乘以 {scale:.3f}，键除以它。",
    },
    "qk_plot_title": {"en": "Queries and keys of layer {layer}, head {head} ({method})", "zh": "第 {layer} 层第 {head} 个头的查询和键（{method}）"},
    "qk_reading": {
        "en": "Circles are queries, diamonds keys. PCA keeps distances along its two axes (their share of the variance is in the axis titles); UMAP keeps neighbourhoods, not distances. A cluster of queries beside a cluster of keys is a group of tokens that attend to another group; coloured by position, a diagonal gradient is a positional head.",
        "zh": "圆点是查询，菱形是键。PCA 保留沿两条轴的距离（各轴所占方差比例见轴标题）；UMAP 保留邻近关系，不保留距离。一簇查询紧挨一簇键，说明一组 token 关注另一组；按位置着色时，出现一条斜向渐变说明这是一个位置头。",
    },
    "qk_position": {"en": "position", "zh": "位置"},
    "qk_query_points": {"en": "queries", "zh": "查询"},
    "qk_key_points": {"en": "keys", "zh": "键"},
    "qk_axis_pc": {"en": "PC {n} ({share:.1f} % of the variance)", "zh": "第 {n} 主成分（占方差 {share:.1f}%）"},
    "qk_axis_umap": {"en": "UMAP {n}", "zh": "UMAP {n}"},
    "err_projection": {"en": "The query/key space cannot be drawn: {problem}.", "zh": "无法画出查询/键空间：{problem}。"},
    "qk_err_points": {"en": "{n} points, at least {most} are needed", "zh": "只有 {n} 个点，至少需要 {most} 个"},
    "qk_err_umap": {"en": "UMAP needs the package umap-learn (pip install umap-learn); choose PCA", "zh": "UMAP 需要 umap-learn 包（pip install umap-learn）；请选择 PCA"},
    "qk_err_method": {"en": "no projection called {method}; choose pca or umap", "zh": "没有名为 {method} 的投影方法；请选择 pca 或 umap"},
    "qk_err_head": {"en": "layer {layer}, head {head} is not in this model ({layers} layers × {heads} heads)", "zh": "第 {layer} 层第 {head} 个头不在这个模型中（{layers} 层 × {heads} 个头）"},
}
