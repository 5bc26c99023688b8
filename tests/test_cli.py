import pytest
import torch
import yaml

from ganrnn.cli import main
from ganrnn.config import LangidConfig
from ganrnn.io import save_torch
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.langid import build_model
from ganrnn.text.model import CharRNN


@pytest.fixture
def textgen_checkpoint(tmp_path):
    torch.manual_seed(0)
    vocab = Vocabulary("REOM:\n abc")
    kwargs = dict(vocab_size=len(vocab), output_size=len(vocab), cell="gru", embed_dim=4, hidden_size=8, num_layers=1)
    path = tmp_path / "gru.pt"
    save_torch(path, {"state_dict": CharRNN(**kwargs).state_dict(), "model_kwargs": kwargs, "vocab": vocab.chars})
    return path


@pytest.fixture
def langid_checkpoint(tmp_path):
    cfg = LangidConfig(["lstm"], 8, 16, 1, 0.2, True, 6, 4, 1e-3, 1, 5.0, 1)
    config = {**cfg.__dict__, "cell": "lstm"}
    config.pop("cells")
    path = tmp_path / "lstm.pt"
    save_torch(path, {"state_dict": build_model(cfg, "lstm").state_dict(), "config": config})
    return path


def test_generate_prints_sample(textgen_checkpoint, capsys):
    main(["generate", "--checkpoint", str(textgen_checkpoint), "--prime", "ROMEO:", "--length", "20"])
    out = capsys.readouterr().out
    assert out.startswith("ROMEO:")
    assert len(out) == len("ROMEO:") + 20 + 1


def test_generate_unknown_prime(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--prime", "JULIET:"])
    assert exit_info.value.code == 2
    assert "outside the vocabulary: 'IJLTU'" in capsys.readouterr().err


def test_generate_bad_temperature(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--temperature", "0"])
    assert "--temperature=0.0 is invalid" in capsys.readouterr().err


def test_generate_missing_checkpoint(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(tmp_path / "none.pt")])
    assert "none.pt not found; run `dvc repro`" in capsys.readouterr().err


def test_generate_bad_length(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--length", "-3"])
    assert "--length=-3 is invalid" in capsys.readouterr().err


def test_classify_top_five(langid_checkpoint, capsys):
    main(["classify", "Kaikki ihmiset syntyvät", "--checkpoint", str(langid_checkpoint)])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    probabilities = [float(line.split("\t")[1]) for line in lines]
    assert probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize("text", ["", "1234 !!", "— … ¿?"])
def test_classify_no_letters(text, langid_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["classify", text, "--checkpoint", str(langid_checkpoint)])
    assert "no letters after romanization" in capsys.readouterr().err


def test_validate(tmp_path, raw_params, capsys):
    path = tmp_path / "params.yaml"
    raw_params["gan"]["lr"] = "fast"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["validate", str(path)])
    assert "gan.lr='fast' is invalid: expected a number" in capsys.readouterr().err
