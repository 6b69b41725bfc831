"""The lessons' math: one pure module per classic concept of attention.

Each module holds the functions one lesson page shows, with shapes in the docstrings and
the paper or equation they come from. Nothing here imports Streamlit or plotly, and
nothing changes the shared model's weights: variants (a shared W, no positions, another
sequence's queries) are computed functionally from read-only copies.

    word_vectors   lesson 1: one-hot codes vs the learned embedding matrix W_E
    search         lesson 2: attention as a shop search (query, keys, values)
    soft_hard      lesson 3: soft, hard (top-k), local, self and general attention
    scoring        lesson 4: five scoring functions and the seq2seq decoder step
    separate_qk    lesson 5: why Q and K need different matrices
    positions      lesson 6: sinusoidal and learned positions, permutation equivariance
    block          lesson 7: the Transformer block: parameters, residual + LayerNorm, FFN
    cost           lesson 8: complexity table and measured cost vs RNN, LSTM, Conv1d
    it_reference   lesson 9: what does "it" refer to, over every layer and head
    multi_head     lesson 10: why multi-head: subspaces, the parameter count, how differently heads attend
    heads          read-only float32 CPU copies of one head's weights
    quiz           the predict-then-reveal question
"""
