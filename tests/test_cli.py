import pytest
import torch
import yaml

from ganrnn.cli import main
from ganrnn.config import LANGUAGES, LangidConfig
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


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_generate_bad_temperature_values(value, textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--temperature", value])
    assert "is invalid; use a finite value above 0" in capsys.readouterr().err


def test_generate_wrong_checkpoint(langid_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(langid_checkpoint)])
    assert "is not a train_textgen checkpoint" in capsys.readouterr().err


def test_classify_wrong_checkpoint(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["classify", "hello world", "--checkpoint", str(textgen_checkpoint)])
    assert "is not a train_langid checkpoint" in capsys.readouterr().err


def test_classify_not_torch_file(tmp_path, capsys):
    (tmp_path / "notes.pt").write_text("just text", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["classify", "hello world", "--checkpoint", str(tmp_path / "notes.pt")])
    assert "is not a readable PyTorch file" in capsys.readouterr().err


def test_classify_bad_top(langid_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["classify", "hello world", "--checkpoint", str(langid_checkpoint), "--top", "0"])
    assert "--top=0 is invalid" in capsys.readouterr().err


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


def test_submit_writes_rows(langid_checkpoint, tmp_path, capsys):
    (tmp_path / "chunks.txt").write_text("hello world\nbonjour à tous\n\x00\n", encoding="utf-8")
    output = tmp_path / "submission.csv"
    main(["submit", "--checkpoint", str(langid_checkpoint), "--input", str(tmp_path / "chunks.txt"), "--output", str(output)])
    rows = output.read_text().splitlines()
    assert rows[0] == "id,category"
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert all(r.split(",")[1] in LANGUAGES for r in rows[1:])
    assert "wrote 3 predictions" in capsys.readouterr().out


def test_submit_missing_input(langid_checkpoint, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["submit", "--checkpoint", str(langid_checkpoint), "--input", str(tmp_path / "none.txt")])
    assert "input file" in capsys.readouterr().err
    assert not (tmp_path / "submission.csv").exists()


def test_validate(tmp_path, raw_params, capsys):
    path = tmp_path / "params.yaml"
    raw_params["gan"]["lr"] = "fast"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["validate", str(path)])
    assert "gan.lr='fast' is invalid: expected a number" in capsys.readouterr().err
