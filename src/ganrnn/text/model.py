"""CharRNN: embedding -> RNN, LSTM or GRU over the whole sequence -> linear head.

One module serves both text tasks: generation reads the output at every step, language
identification reads the output at the last step.
"""

from __future__ import annotations

import torch
from torch import nn

CELL_TYPES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class CharRNN(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        output_size: int,
        cell: str = "gru",
        embed_dim: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        embed_dropout: float = 0.0,
        extra_linear: bool = False,
    ) -> None:
        super().__init__()
        if cell not in CELL_TYPES:
            raise ValueError(f"cell={cell!r} is invalid; allowed values are {', '.join(CELL_TYPES)}")
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.dropout = nn.Dropout(embed_dropout)
        self.rnn = CELL_TYPES[cell](embed_dim, hidden_size, num_layers, batch_first=True)
        head: list[nn.Module] = []
        if extra_linear:
            head += [nn.Linear(hidden_size, hidden_size), nn.ReLU()]
        head.append(nn.Linear(hidden_size, output_size))
        self.head = nn.Sequential(*head)

    def forward(self, ids: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """Map ids B x T to logits B x T x output_size and the final hidden state."""
        x = self.dropout(self.embedding(ids))
        # x: B x T x embed_dim; the recurrent layer consumes all T steps in one call, no Python loop.
        out, hidden = self.rnn(x, hidden)
        # out: B x T x hidden_size
        return self.head(out), hidden

    def classify(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits B x output_size from the output at the last step of equal-length sequences."""
        logits, _ = self(ids)
        return logits[:, -1]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
