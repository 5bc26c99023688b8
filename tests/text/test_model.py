import pytest
import torch
import torch.nn.functional as F

from ganrnn.text.model import CharRNN


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_output_shapes(cell, layers):
    model = CharRNN(vocab_size=30, output_size=30, cell=cell, embed_dim=8, hidden_size=16, num_layers=layers)
    logits, hidden = model(torch.randint(0, 30, (4, 7)))
    assert logits.shape == (4, 7, 30)
    h = hidden[0] if cell == "lstm" else hidden
    assert h.shape == (layers, 4, 16)


def test_classify_shape():
    model = CharRNN(vocab_size=30, output_size=20, cell="lstm", embed_dim=8, hidden_size=16, extra_linear=True)
    assert model.classify(torch.randint(0, 30, (5, 11))).shape == (5, 20)


def test_extra_linear_layer():
    plain = CharRNN(30, 20, "gru", 8, 16)
    extra = CharRNN(30, 20, "gru", 8, 16, extra_linear=True)
    assert len(plain.head) == 1
    assert len(extra.head) == 3


def test_unknown_cell():
    with pytest.raises(ValueError, match=r"cell='transformer' is invalid"):
        CharRNN(30, 30, "transformer")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_constant_sequence_learned(cell):
    torch.manual_seed(0)
    model = CharRNN(vocab_size=5, output_size=5, cell=cell, embed_dim=8, hidden_size=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    ids = torch.full((8, 21), 3)
    for _ in range(40):
        logits, _ = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 5), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
