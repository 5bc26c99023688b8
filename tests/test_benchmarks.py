import importlib.util
import math
import sys

import pytest
import torch

from ganrnn.text.generation import sequence_loss
from ganrnn.text.model import CharRNN
from helpers import ROOT


def _load_script(name: str):
    """Import a script from benchmarks/, which is a folder of scripts, not a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # @dataclass looks the module up in sys.modules when it processes a class.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def throughput():
    return _load_script("charrnn_throughput")


@pytest.fixture(autouse=True)
def restore_threads():
    """Undo the script's torch.set_num_threads, which would otherwise last for later tests."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


SHORT = ["--embed-dim", "4", "--num-layers", "2", "--chunk-len", "6", "--batch-size", "3",
         "--vocab-size", "11", "--warmup", "1", "--iterations", "2", "--repeats", "1", "--threads", "1"]  # fmt: skip
TINY = SHORT + ["--hidden-size", "8"]


def test_throughput_rates_positive(throughput):
    rows = throughput.main(TINY)
    assert [row.cell for row in rows] == ["rnn", "lstm", "gru"]
    for row in rows:
        assert math.isfinite(row.fused_chars_per_s), row
        assert row.fused_chars_per_s > 0, row
        assert math.isfinite(row.loop_chars_per_s), row
        assert row.loop_chars_per_s > 0, row
        assert math.isfinite(row.ratio), row
        assert row.ratio > 0, row


def test_throughput_prints_table(throughput, capsys):
    throughput.main(TINY + ["--cells", "gru", "lstm"])
    out = capsys.readouterr().out
    assert "| cell | batch | hidden | parameters | fused chars/s | loop chars/s | ratio | fused GFLOP/s | ratio at peak |" in out
    assert "| gru | 3 | " in out
    assert "| lstm | 3 | " in out
    assert "| rnn | " not in out


def test_throughput_batch_sizes_in_turn(throughput):
    rows = throughput.main(TINY + ["--cells", "gru", "--batch-size", "2", "5"])
    assert [(row.cell, row.batch_size) for row in rows] == [("gru", 2), ("gru", 5)]


def test_throughput_rejects_zero_batch(throughput, capsys):
    with pytest.raises(SystemExit):
        throughput.parse_args(["--batch-size", "4", "0"])
    assert "--batch-size=0 is invalid" in capsys.readouterr().err


@pytest.mark.parametrize("tie_weights", [False, True])
def test_matrix_weights_skip_lookup(throughput, tie_weights):
    model = CharRNN(vocab_size=11, output_size=11, cell="gru", embed_dim=4, hidden_size=8, num_layers=1, tie_weights=tie_weights)
    recurrent = 3 * 8 * 4 + 3 * 8 * 8  # weight_ih and weight_hh of one GRU layer
    # Tied: a projection 8 -> 4 and the shared 11 x 4 matrix as the output layer. Untied: an 8 -> 11
    # output layer, and the embedding is a lookup.
    head = 8 * 4 + 11 * 4 if tie_weights else 8 * 11
    assert throughput.matrix_weights(model) == recurrent + head


def test_ratio_at_peak_bounds_the_loop(throughput):
    row = throughput.CellThroughput(cell="gru", batch_size=1, hidden_size=8, parameters=100, flops_per_char=600.0,
                                    fused_chars_per_s=1000.0, loop_chars_per_s=500.0)  # fmt: skip
    # At 6e6 FLOP/s a fused step reaches 10,000 chars/s, 20 times the loop's 500.
    assert row.ratio == 2.0
    assert row.ratio_at_peak(6e6) == pytest.approx(20.0)


def test_throughput_defaults_from_params(throughput, params):
    cfg, args = throughput.parse_args([])
    assert cfg == params.textgen
    assert args.seed == params.seed


def test_throughput_hidden_size_turns_budget_off(throughput):
    cfg, _ = throughput.parse_args(["--hidden-size", "40"])
    assert cfg.hidden_size == 40
    assert cfg.param_budget == 0


def test_throughput_budget_fits_hidden_size(throughput):
    rows = throughput.main(SHORT + ["--param-budget", "3000", "--cells", "rnn", "lstm"])
    assert rows[0].hidden_size > rows[1].hidden_size
    assert abs(rows[0].parameters - 3000) < 300
    assert abs(rows[1].parameters - 3000) < 300


def test_throughput_rejects_zero_iterations(throughput, capsys):
    with pytest.raises(SystemExit):
        throughput.parse_args(["--iterations", "0"])
    assert "--iterations=0 is invalid" in capsys.readouterr().err


@pytest.mark.parametrize("tie_weights", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_loop_loss_matches_fused(throughput, cell, tie_weights):
    # The loop variant must compute the same function as the fused model, or the speed
    # comparison would measure different work.
    torch.manual_seed(0)
    model = CharRNN(vocab_size=11, output_size=11, cell=cell, embed_dim=4, hidden_size=8, num_layers=2,
                    tie_weights=tie_weights)  # fmt: skip
    windows = torch.randint(0, 11, (3, 7))
    chunk_len = windows.shape[1] - 1

    fused = sequence_loss(model, windows)
    fused_grads = torch.autograd.grad(fused, list(model.parameters()))
    looped = throughput.loop_loss(throughput.StepwiseCharRNN(model), windows) / chunk_len
    looped_grads = torch.autograd.grad(looped, list(model.parameters()))

    torch.testing.assert_close(looped, fused)
    for got, expected in zip(looped_grads, fused_grads):
        torch.testing.assert_close(got, expected)


def test_validation_split_reads_train_only(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    langid = _load_script("langid_udhr20")
    data = tmp_path / "data"
    (data / "train").mkdir(parents=True)
    (data / "test").mkdir()
    (data / "train" / "maori_train.txt").write_text("a" * 80 + "b" * 20, encoding="utf-8")
    (data / "test" / "maori_test.txt").write_text("never read", encoding="utf-8")

    out = langid.validation_split(data, 0.2, tmp_path / "split")
    assert (out / "train" / "maori_train.txt").read_text(encoding="utf-8") == "a" * 80
    assert (out / "test" / "maori_test.txt").read_text(encoding="utf-8") == "b" * 20
