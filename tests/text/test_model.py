import pytest
import torch
import torch.nn.functional as F

from ganrnn.text.model import CharRNN, count_parameters, hidden_size_for_budget


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("tie", [False, True])
def test_output_shapes(cell, layers, tie):
    dropout = 0.3 if layers > 1 else 0.0
    model = CharRNN(vocab_size=30, output_size=30, cell=cell, embed_dim=8, hidden_size=16, num_layers=layers,
                    layer_dropout=dropout, tie_weights=tie)  # fmt: skip
    logits, hidden = model(torch.randint(0, 30, (4, 7)))
    assert logits.shape == (4, 7, 30)
    states = hidden if cell == "lstm" else (hidden,)
    for state in states:
        assert state.shape == (layers, 4, 16)


def test_layer_dropout_set():
    model = CharRNN(30, 30, "lstm", 8, 16, num_layers=2, layer_dropout=0.25)
    assert model.rnn.dropout == 0.25


def test_layer_dropout_train_only():
    torch.manual_seed(0)
    model = CharRNN(30, 30, "gru", 8, 16, num_layers=2, layer_dropout=0.5)
    ids = torch.randint(0, 30, (2, 5))
    model.eval()
    assert torch.equal(model(ids)[0], model(ids)[0])
    model.train()
    assert not torch.equal(model(ids)[0], model(ids)[0])


def test_tied_weights_shared():
    model = CharRNN(30, 30, "gru", embed_dim=8, hidden_size=8, tie_weights=True)
    assert model.head[-1].weight is model.embedding.weight
    assert len(model.head) == 1


def test_tied_weights_projection():
    model = CharRNN(30, 30, "gru", embed_dim=8, hidden_size=16, tie_weights=True)
    assert model.head[-1].weight is model.embedding.weight
    assert model.head[0].weight.shape == (8, 16)


def test_tied_parameters_counted_once():
    untied = CharRNN(30, 30, "gru", embed_dim=8, hidden_size=8)
    tied = CharRNN(30, 30, "gru", embed_dim=8, hidden_size=8, tie_weights=True)
    assert count_parameters(untied) - count_parameters(tied) == 30 * 8


def test_tied_weights_other_output():
    with pytest.raises(ValueError, match=r"needs output_size == vocab_size, got 20 and 30"):
        CharRNN(30, 20, "gru", 8, 8, tie_weights=True)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("budget", [60_000, 190_000, 1_000_000])
@pytest.mark.parametrize("tie", [False, True])
def test_budget_parameter_count(cell, budget, tie):
    kwargs = dict(vocab_size=65, output_size=65, cell=cell, embed_dim=32, num_layers=2, tie_weights=tie)
    hidden = hidden_size_for_budget(budget, **kwargs)
    count = count_parameters(CharRNN(hidden_size=hidden, **kwargs))
    assert abs(count - budget) <= 0.03 * budget


def test_budget_closest_hidden_size():
    kwargs = dict(vocab_size=65, output_size=65, cell="gru", embed_dim=32, num_layers=1)
    hidden = hidden_size_for_budget(50_000, **kwargs)
    counts = {h: count_parameters(CharRNN(hidden_size=h, **kwargs)) for h in (hidden - 1, hidden, hidden + 1)}
    assert abs(counts[hidden] - 50_000) <= abs(counts[hidden - 1] - 50_000)
    assert abs(counts[hidden] - 50_000) <= abs(counts[hidden + 1] - 50_000)


def test_budget_ranks_cells():
    kwargs = dict(vocab_size=65, output_size=65, embed_dim=32, num_layers=2)
    sizes = {cell: hidden_size_for_budget(100_000, cell=cell, **kwargs) for cell in ("rnn", "lstm", "gru")}
    assert sizes["rnn"] > sizes["gru"] > sizes["lstm"]


def test_budget_too_small():
    with pytest.raises(ValueError, match=r"budget of 100 is below the \d+ parameters of the smallest model"):
        hidden_size_for_budget(100, vocab_size=65, output_size=65, cell="gru", embed_dim=32)


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
