from pathlib import Path

import pytest

from ganrnn.report.render import Inputs, render_report


def _render(root: Path, params, name: str) -> Path:
    out = root / name
    render_report(params, Inputs(root / "metrics", root / "plots", out), out)
    return out


def test_report_sections(fake_results, params):
    root = fake_results()
    text = (_render(root, params, "reports") / "report.md").read_text(encoding="utf-8")
    for heading in ("## 1. Face GANs", "### How the samples are measured", "### GAN vs LSGAN", "### Mode collapse",
                    "### Spectral normalization, with and without", "### Mode coverage on stacked digits",
                    "## 2. Character-level text generation", "## 3. Language identification"):  # fmt: skip
        assert heading in text
    assert "| faces | `packaged` |" in text
    assert "ROMEO:\nsample of rnn" in text


def test_report_names_extractor_not_fid(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    assert "FD-faceae" in text
    assert "so there is no FID" in text


def test_report_gan_sentences_follow_numbers(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    # Fake variant k has final FD 10 + k: bce-true (k = 0) is best by FD and by KID.
    assert "GAN (BCE), with SN has the lowest FD-faceae (10) and the lowest KID (1)." in text
    assert "GAN (BCE), without SN from iteration 5, still at iteration 10" in text
    assert "With GAN (BCE), spectral normalization lowers the final FD-faceae from 11 to 10" in text
    assert "LSGAN, without SN covers the most modes (400 of 1000" in text
    # 50 fake samples: 1000 (1 - 0.999^50) = 48.8 modes expected from a uniform generator.
    assert "hits 49 of them on average" in text
    # 1000 fake coverage samples: 1000 (1 - 0.999^1000) = 632 modes and a KL of 999 / 2000 nats.
    assert "would cover 632 of them in 1000 samples, with a KL of about 0.50 nats" in text


def test_report_memorization_reads_duplicates(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    # ls variants have memorization ratios below 1 and many near-duplicates: averages, not copies.
    assert "Samples of LSGAN, with SN; LSGAN, without SN also sit closer" in text


def test_report_links_resolve(fake_results, params):
    root = fake_results()
    out = _render(root, params, "reports")
    text = (out / "report.md").read_text(encoding="utf-8")
    links = [part.split(")")[0] for part in text.split("](")[1:]]
    assert links
    for link in links:
        assert (out / link).exists(), link


def test_report_byte_identical(fake_results, params):
    root = fake_results()
    first = _render(root, params, "a")
    second = _render(root, params, "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) >= 6
    for rel in files:
        if rel.name == "report.md":
            continue  # its image links differ between the two folders by design
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    a = (first / "report.md").read_text().replace("../plots", "PLOTS")
    b = (second / "report.md").read_text().replace("../plots", "PLOTS")
    assert a == b


def _langid(root: Path, params):
    from ganrnn.report.render import langid_section

    out = root / "reports"
    return langid_section(params, Inputs(root / "metrics", root / "plots", out), out), out


def test_langid_comparison_sentence(fake_langid_results, params):
    section, _ = _langid(fake_langid_results, params)
    sentence = section["results"][0]["comparison"]
    # RNN 0.9 vs baseline 0.8 on 40 chunks, and the baseline is perfect on four more languages.
    assert "the lstm RNN names 0.900 correctly and the n-gram baseline 0.800" in sentence
    assert "the RNN is ahead of the baseline by 4 chunks" in sentence
    assert "ahead on 0, behind on 4 and level on 16 of 20" in sentence
    assert "On the shortest chunks (10-19 characters) it reaches 0.645 against 0.545" in sentence
    assert "on the longest (41-50) 0.955 against 0.855" in sentence


def test_langid_per_language_table(fake_langid_results, params):
    section, _ = _langid(fake_langid_results, params)
    rows = {row["language"]: row["values"] for row in section["per_language"]}
    assert len(rows) == 20
    assert rows["english"] == ["1.000", "1.000"]
    assert rows["albanian"] == ["0.500", "1.000"]
    assert rows["xhosa"] == ["0.500", "0.500"]


def test_langid_figures_written(fake_langid_results, params):
    section, out = _langid(fake_langid_results, params)
    assert (out / section["length_figure"]).is_file()
    assert (out / section["baseline"]["figure"]).is_file()
    assert (out / section["results"][0]["figure"]).is_file()


def test_langid_different_chunks_rejected(fake_langid_results, params):
    import json

    path = fake_langid_results / "metrics" / "langid" / "baseline.json"
    metrics = json.loads(path.read_text(encoding="utf-8"))
    metrics["test_chunks_sha256"] = "1" * 64
    path.write_text(json.dumps(metrics), encoding="utf-8")
    with pytest.raises(ValueError, match=r"were scored on different test chunks"):
        _langid(fake_langid_results, params)


def test_textgen_table_rows(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    assert "| rnn | 40 | 1000 | 1.800 | 1.900 | 2.600 | 2.700 |" in text
    assert "| gru | 20 | 1002 | 1.800 | 2.100 | 2.600 | 2.700 |" in text


def test_textgen_budget_sentence(fake_results, params, raw_params):
    from ganrnn.config import Params, build

    text = (_render(fake_results(), params, "a") / "report.md").read_text(encoding="utf-8")
    assert f"closest to {params.textgen.param_budget} parameters" in text
    raw_params["textgen"]["param_budget"] = 0
    text = (_render(fake_results(), build(Params, raw_params, ""), "b") / "report.md").read_text(encoding="utf-8")
    assert f"Every cell uses hidden size {params.textgen.hidden_size}" in text


def test_textgen_time_in_mlflow(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    assert "logs it to MLflow as `train_seconds`" in text
    assert "seconds |" not in text


def test_binned_accuracy_weights_chunks():
    import pandas as pd

    from ganrnn.report.render import LENGTH_AXIS, _binned_accuracy

    # Lengths 10-14 pool to one bin: (1.0 * 1 + 0.5 * 2 + 0 * 1 + 1.0 * 4 + 0.5 * 2) / 10 = 0.7.
    table = pd.DataFrame({"length": [10, 11, 12, 13, 14, 15], "accuracy": [1.0, 0.5, 0.0, 1.0, 0.5, 0.25],
                          "chunks": [1, 2, 1, 4, 2, 4]})  # fmt: skip
    binned = _binned_accuracy(table)
    assert list(binned[LENGTH_AXIS]) == [12.0, 15.0]
    assert list(binned["accuracy"]) == pytest.approx([0.7, 0.25])


def test_sweep_table_included(fake_results, params):
    root = fake_results()
    table = "Experiments sorted by accuracy.\n\n| experiment | accuracy |\n|---|---|\n| lm-1 | 0.8100 |\n"
    (root / "metrics" / "langid" / "sweep.md").write_text(table, encoding="utf-8")
    text = (_render(root, params, "reports") / "report.md").read_text(encoding="utf-8")
    assert text.endswith("### Sweep of the language model\n\n" + table)


def test_sweep_section_absent(fake_results, params):
    text = (_render(fake_results(), params, "reports") / "report.md").read_text(encoding="utf-8")
    assert "Sweep of the language model" not in text
