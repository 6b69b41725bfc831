"""GRU encoder-decoders for the bottleneck page: without attention, and with Bahdanau's additive attention.

Both share one encoder, a bidirectional GRU over the source characters whose outputs are the
annotations h_j = [h_j(forward); h_j(backward)] (Bahdanau et al. 2015, Section 3.2). They
differ only in the context vector c_i the decoder reads at output step i:

- ``attention=False`` (the RNN encoder-decoder of Cho et al. 2014, the paper's RNNencdec):
  c_i = c for every i, the encoder's last states [h_last(forward); h_first(backward)]: one
  fixed-size vector for the whole source, the bottleneck;
- ``attention=True`` (RNNsearch): c_i = sum_j alpha_ij h_j with
  e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j) and alpha_ij = softmax_j(e_ij) (Eq. 5-6).

The decoder state starts at s_0 = tanh(W_s c) and moves by s_i = GRU([E y_{i-1}; c_i], s_{i-1});
the output layer reads [s_i; c_i; E y_{i-1}] (Eq. 4; one linear layer instead of the paper's
maxout). Call signature as the Transformer's: ``net(src_ids, tgt_ids, src_mask) -> logits``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from jaxtyping import Bool, Float, Int
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass(frozen=True)
class RnnSeq2SeqConfig:
    """Sizes of a GRU encoder-decoder; ``attention`` picks Bahdanau attention or the fixed context."""

    d_vocab: int
    attention: bool
    d_embed: int = 64
    d_hidden: int = 128  # per direction in the encoder; the decoder's state
    d_attn: int = 128  # the additive score's hidden size (n' in the paper)
    pad_token_id: int = 0
    decoder_start_token_id: int = 1
    eos_token_id: int = 2
    name: str = "toy-rnn"

    def to_json(self) -> dict:
        """Plain JSON-able fields."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> RnnSeq2SeqConfig:
        """The config written by :meth:`to_json`. Raises TypeError for unknown fields."""
        return cls(**data)


class RnnSeq2Seq(nn.Module):
    """A GRU encoder-decoder (see the module docstring); trainable, float32."""

    def __init__(self, cfg: RnnSeq2SeqConfig) -> None:
        super().__init__()
        self.cfg = cfg
        h = cfg.d_hidden
        self.embed_src = nn.Embedding(cfg.d_vocab, cfg.d_embed, padding_idx=cfg.pad_token_id)
        self.embed_tgt = nn.Embedding(cfg.d_vocab, cfg.d_embed, padding_idx=cfg.pad_token_id)
        self.encoder = nn.GRU(cfg.d_embed, h, batch_first=True, bidirectional=True)
        self.init_state = nn.Linear(2 * h, h)  # W_s
        self.decoder = nn.GRU(cfg.d_embed + 2 * h, h, batch_first=True)
        self.out = nn.Linear(h + 2 * h + cfg.d_embed, cfg.d_vocab)
        if cfg.attention:
            self.W_a = nn.Linear(h, cfg.d_attn, bias=False)
            self.U_a = nn.Linear(2 * h, cfg.d_attn)
            self.v_a = nn.Linear(cfg.d_attn, 1, bias=False)

    def encode(
        self, src_ids: Int[torch.Tensor, "batch src_pos"], src_mask: Bool[torch.Tensor, "batch src_pos"]
    ) -> tuple[Float[torch.Tensor, "batch src_pos two_d_hidden"], Float[torch.Tensor, "batch two_d_hidden"]]:
        """(annotations h_j, the last states [h_last(forward); h_first(backward)]); padding (mask False) is skipped.

        Raises ValueError when a row of ``src_mask`` has no real token.
        """
        lengths = src_mask.sum(-1)
        if bool((lengths == 0).any()):
            raise ValueError("every source needs at least one real token (src_mask True)")
        packed = pack_padded_sequence(self.embed_src(src_ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, last = self.encoder(packed)  # last: [2, batch, d_hidden] (forward, backward)
        annotations, _ = pad_packed_sequence(out, batch_first=True, total_length=src_ids.shape[1])
        return annotations, torch.cat([last[0], last[1]], dim=-1)

    def attend(
        self,
        state: Float[torch.Tensor, "batch d_hidden"],
        keys: Float[torch.Tensor, "batch src_pos d_attn"],
        annotations: Float[torch.Tensor, "batch src_pos two_d_hidden"],
        src_mask: Bool[torch.Tensor, "batch src_pos"],
    ) -> tuple[Float[torch.Tensor, "batch two_d_hidden"], Float[torch.Tensor, "batch src_pos"]]:
        """Bahdanau et al. 2015 Eq. 5-6: (c_i, alpha_i) from s_{i-1}; ``keys`` are U_a h_j, computed once per source."""
        scores = self.v_a(torch.tanh(self.W_a(state)[:, None] + keys)).squeeze(-1)  # e_ij: [batch, src_pos]
        scores = scores.masked_fill(~src_mask, torch.finfo(scores.dtype).min)
        alpha = torch.softmax(scores.float(), dim=-1)
        return torch.einsum("bs,bsd->bd", alpha, annotations), alpha

    def step(self, prev_ids, state, context, keys, annotations, src_mask):
        """One output step: (logits [batch, d_vocab], s_i [batch, d_hidden], alpha_i [batch, src_pos] or None)."""
        emb = self.embed_tgt(prev_ids)  # [batch, d_embed]
        alpha = None
        if self.cfg.attention:
            context, alpha = self.attend(state, keys, annotations, src_mask)
        _, new_state = self.decoder(torch.cat([emb, context], -1)[:, None], state[None])
        new_state = new_state[0]
        return self.out(torch.cat([new_state, context, emb], -1)), new_state, alpha

    def run(
        self,
        src_ids: Int[torch.Tensor, "batch src_pos"],
        tgt_ids: Int[torch.Tensor, "batch tgt_pos"],
        src_mask: Bool[torch.Tensor, "batch src_pos"],
    ) -> tuple[Float[torch.Tensor, "batch tgt_pos d_vocab"], Float[torch.Tensor, "batch tgt_pos src_pos"] | None]:
        """Teacher-forced: (logits, the attention weights alpha_ij, or None without attention).

        ``tgt_ids`` is the decoder's input (starting with the start token, "shifted right").
        """
        annotations, last = self.encode(src_ids, src_mask)
        state = torch.tanh(self.init_state(last))  # s_0: [batch, d_hidden]
        emb = self.embed_tgt(tgt_ids)  # [batch, tgt_pos, d_embed]
        if not self.cfg.attention:  # c is fixed: the whole target runs through the GRU in one call
            context = last[:, None].expand(-1, tgt_ids.shape[1], -1)  # [batch, tgt_pos, 2 d_hidden]
            states, _ = self.decoder(torch.cat([emb, context], -1), state[None])
            return self.out(torch.cat([states, context, emb], -1)), None
        keys = self.U_a(annotations)  # U_a h_j: [batch, src_pos, d_attn]
        logits, alphas = [], []
        for i in range(tgt_ids.shape[1]):
            step_logits, state, alpha = self.step(tgt_ids[:, i], state, None, keys, annotations, src_mask)
            logits.append(step_logits)
            alphas.append(alpha)
        return torch.stack(logits, 1), torch.stack(alphas, 1)

    def forward(
        self,
        src_ids: Int[torch.Tensor, "batch src_pos"],
        tgt_ids: Int[torch.Tensor, "batch tgt_pos"],
        src_mask: Bool[torch.Tensor, "batch src_pos"],
    ) -> Float[torch.Tensor, "batch tgt_pos d_vocab"]:
        """Teacher-forced logits (see :meth:`run`)."""
        return self.run(src_ids, tgt_ids, src_mask)[0]

    @torch.no_grad()
    def greedy(
        self, src_ids: Int[torch.Tensor, "batch src_pos"], src_mask: Bool[torch.Tensor, "batch src_pos"], max_len: int
    ) -> tuple[Int[torch.Tensor, "batch out_pos"], Float[torch.Tensor, "batch out_pos src_pos"] | None]:
        """Greedy decoding, one step at a time: (output ids without the start token, attention or None).

        Each row stops at ``</s>`` (kept) and is padded with ``pad_token_id`` after it; at most ``max_len`` steps.
        """
        annotations, last = self.encode(src_ids, src_mask)
        state = torch.tanh(self.init_state(last))
        keys = self.U_a(annotations) if self.cfg.attention else None
        prev = torch.full((src_ids.shape[0],), self.cfg.decoder_start_token_id, dtype=torch.long)
        done = torch.zeros_like(prev, dtype=torch.bool)
        out, alphas = [], []
        for _ in range(max_len):
            logits, state, alpha = self.step(prev, state, last, keys, annotations, src_mask)
            prev = torch.where(done, self.cfg.pad_token_id, logits.argmax(-1))
            out.append(prev)
            alphas.append(alpha)
            done |= prev == self.cfg.eos_token_id
            if bool(done.all()):
                break
        return torch.stack(out, 1), (torch.stack(alphas, 1) if self.cfg.attention else None)
