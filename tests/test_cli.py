import pytest
import torch
import yaml

from ganrnn.cli import main
from ganrnn.config import LANGUAGES, BaselineConfig, LangidConfig
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
    cfg = LangidConfig(
        cells=["lstm"], embed_dim=8, hidden_size=16, num_layers=1, dropout=0.2, extra_linear=True,
        chunk_len=6, loss_from=0, batch_size=4, lr=1e-3, lr_schedule="constant", steps=1, grad_clip=5.0,
        eval_every=1, checkpoint_every=1, baseline=BaselineConfig(ngram_min=1, ngram_max=4, train_chunks=100, C=1.0),
    )  # fmt: skip
    config = {**cfg.__dict__, "cell": "lstm"}
    config.pop("cells")
    config.pop("baseline")
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


def test_generate_zero_temperature_greedy(textgen_checkpoint, capsys):
    main(["generate", "--checkpoint", str(textgen_checkpoint), "--length", "30", "--temperature", "0", "--seed", "1"])
    first = capsys.readouterr().out
    main(["generate", "--checkpoint", str(textgen_checkpoint), "--length", "30", "--temperature", "0", "--seed", "2"])
    second = capsys.readouterr().out
    main(["generate", "--checkpoint", str(textgen_checkpoint), "--length", "30", "--top-k", "1", "--seed", "3"])
    top_one = capsys.readouterr().out
    assert first == second
    assert first == top_one


def test_generate_seeded(textgen_checkpoint, capsys):
    args = ["generate", "--checkpoint", str(textgen_checkpoint), "--length", "40", "--temperature", "0.8", "--seed", "0"]
    main(args + ["--top-k", "3"])
    first = capsys.readouterr().out
    main(args + ["--top-k", "3"])
    assert capsys.readouterr().out == first


def test_generate_bad_top_k(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--top-k", "-2"])
    assert "--top-k=-2 is invalid" in capsys.readouterr().err


def test_generate_unknown_prime_chars(textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--prime", "ROMEO: ¿zz"])
    assert "outside the vocabulary: 'z¿'" in capsys.readouterr().err


def test_generate_not_torch_file(tmp_path, capsys):
    (tmp_path / "notes.pt").write_text("just text", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(tmp_path / "notes.pt")])
    assert "is not a readable PyTorch file" in capsys.readouterr().err


def test_generate_mismatched_checkpoint(tmp_path, capsys):
    kwargs = dict(vocab_size=5, output_size=5, cell="gru", embed_dim=4, hidden_size=8, num_layers=1)
    state = CharRNN(**{**kwargs, "hidden_size": 6}).state_dict()
    save_torch(tmp_path / "gru.pt", {"state_dict": state, "model_kwargs": kwargs, "vocab": "abcde"})
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(tmp_path / "gru.pt"), "--prime", "a"])
    assert "does not fit the CharRNN of this ganrnn version" in capsys.readouterr().err


def test_generate_missing_checkpoint(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(tmp_path / "none.pt")])
    assert "none.pt not found; run `dvc repro`" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_generate_bad_temperature_values(value, textgen_checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--checkpoint", str(textgen_checkpoint), "--temperature", value])
    assert "is invalid; use a finite value >= 0" in capsys.readouterr().err


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
    assert len({line.split("\t")[0] for line in lines}) == 5
    assert all(line.split("\t")[0] in LANGUAGES for line in lines)
    probabilities = [float(line.split("\t")[1]) for line in lines]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0.0 < sum(probabilities) <= 1.0001


@pytest.mark.parametrize("text", ["1234 !!", "— … ¿?", "🙂 ٣"])
def test_classify_no_letters(text, langid_checkpoint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["classify", text, "--checkpoint", str(langid_checkpoint)])
    assert exit_info.value.code == 2
    assert "no letters after romanization" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "  \t "])
def test_classify_empty(text, langid_checkpoint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["classify", text, "--checkpoint", str(langid_checkpoint)])
    assert exit_info.value.code == 2
    assert "error: the input text is empty" in capsys.readouterr().err


def test_classify_romanizes_input(langid_checkpoint, capsys):
    main(["classify", "Ελληνικά", "--checkpoint", str(langid_checkpoint), "--top", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all(line.split("\t")[0] in LANGUAGES for line in lines)


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
