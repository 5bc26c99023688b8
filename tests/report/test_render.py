from pathlib import Path

from ganrnn.report.render import Inputs, render_report


def _render(root: Path, params, name: str) -> Path:
    out = root / name
    render_report(params, Inputs(root / "metrics", root / "plots", out), out)
    return out


def test_report_sections(fake_results, params):
    root = fake_results()
    text = (_render(root, params, "reports") / "report.md").read_text(encoding="utf-8")
    for heading in ("## 1. Face GANs", "### GAN vs LSGAN", "### Mode collapse early in training",
                    "### Spectral normalization, with and without", "## 2. Character-level text generation",
                    "## 3. Language identification"):  # fmt: skip
        assert heading in text
    assert "| faces | `packaged` |" in text
    assert "ROMEO:\nsample of rnn" in text


def test_report_sentences_follow_numbers(fake_results, params):
    root = fake_results()
    text = (_render(root, params, "reports") / "report.md").read_text(encoding="utf-8")
    # The fake ls-false variant has the highest final diversity (0.6).
    assert "LSGAN, without SN ranks first (0.600)" in text
    assert "Diversity fell below 0.5 of the real data's for GAN (BCE), with SN at iteration 5 (0.100)" in text


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
