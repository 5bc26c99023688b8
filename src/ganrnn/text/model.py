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
        layer_dropout: float = 0.0,
        tie_weights: bool = False,
    ) -> None:
        super().__init__()
        if cell not in CELL_TYPES:
            raise ValueError(f"cell={cell!r} is invalid; allowed values are {', '.join(CELL_TYPES)}")
        if tie_weights and output_size != vocab_size:
            raise ValueError(
                f"tie_weights=True needs output_size == vocab_size, got {output_size} and {vocab_size}; "
                f"tie weights only for next-character prediction"
            )
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.dropout = nn.Dropout(embed_dropout)
        # `layer_dropout` acts on the outputs of every recurrent layer except the last.
        self.rnn = CELL_TYPES[cell](embed_dim, hidden_size, num_layers, batch_first=True, dropout=layer_dropout)
        head: list[nn.Module] = []
        if extra_linear:
            head += [nn.Linear(hidden_size, hidden_size), nn.ReLU()]
        if tie_weights:
            # The output layer shares the embedding matrix (vocab_size x embed_dim), so it reads
            # embed_dim features. A linear projection maps the hidden state to them when the sizes differ.
            if hidden_size != embed_dim:
                head.append(nn.Linear(hidden_size, embed_dim))
            output = nn.Linear(embed_dim, output_size)
            output.weight = self.embedding.weight
        else:
            output = nn.Linear(hidden_size, output_size)
        head.append(output)
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
    # parameters() yields a tied weight once, so tied models are counted correctly.
    return sum(p.numel() for p in model.parameters())


def hidden_size_for_budget(budget: int, **kwargs) -> int:
    """Find the hidden size whose CharRNN(**kwargs) parameter count is closest to `budget`.

    A bisection finds two neighbouring sizes whose counts enclose the budget, because the count
    grows with the hidden size. The one exception is tied weights at hidden == embed_dim, where
    the projection drops out, and there the result may be one size away from the closest.
    Models are built on the meta device, which allocates no memory.
    """

    def count(hidden_size: int) -> int:
        with torch.device("meta"):
            return count_parameters(CharRNN(hidden_size=hidden_size, **kwargs))

    smallest = count(1)
    if smallest > budget:
        raise ValueError(
            f"a parameter budget of {budget} is below the {smallest} parameters of the smallest "
            f"model (hidden size 1); raise the budget, or lower embed_dim"
        )
    low, high = 1, 2
    while count(high) < budget:
        low, high = high, 2 * high
    # Invariant: count(low) <= budget <= count(high).
    while high - low > 1:
        middle = (low + high) // 2
        if count(middle) <= budget:
            low = middle
        else:
            high = middle
    return min((low, high), key=lambda h: (abs(count(h) - budget), h))
