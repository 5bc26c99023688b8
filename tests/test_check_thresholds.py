import subprocess
import sys

import yaml

from helpers import ROOT


def _check(root, raw_params):
    (root / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(ROOT / "pipeline" / "check_thresholds.py")],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_all_pass(fake_results, raw_params):
    result = _check(fake_results(), raw_params)
    assert result.returncode == 0, result.stderr
    assert "FAIL" not in result.stdout


def test_low_accuracy_fails(fake_results, raw_params):
    result = _check(fake_results(accuracy=0.2), raw_params)
    assert result.returncode == 1
    assert "metrics/langid/lstm.json:accuracy" in result.stderr
    assert "metrics/langid/lstm.json:kaggle_accuracy" in result.stderr


def test_high_loss_fails(fake_results, raw_params):
    result = _check(fake_results(test_loss=9.0), raw_params)
    assert result.returncode == 1
    assert "3 metric(s) failed" in result.stderr
    assert "metrics/textgen/gru.json:test_loss" in result.stderr


def test_missing_metrics(tmp_path, raw_params):
    result = _check(tmp_path, raw_params)
    assert result.returncode == 2
    assert "not found; run `dvc repro`" in result.stderr


def test_unlabelled_kaggle_skipped(fake_results, raw_params):
    import json

    root = fake_results()
    path = root / "metrics" / "langid" / "lstm.json"
    metrics = json.loads(path.read_text())
    del metrics["kaggle_accuracy"]
    path.write_text(json.dumps(metrics))
    result = _check(root, raw_params)
    assert result.returncode == 0, result.stderr
    assert "skip metrics/langid/lstm.json:kaggle_accuracy is absent" in result.stdout


def test_missing_required_metric(fake_results, raw_params):
    import json

    root = fake_results()
    path = root / "metrics" / "textgen" / "rnn.json"
    path.write_text(json.dumps({"train_loss": 1.0}))
    result = _check(root, raw_params)
    assert result.returncode == 2
    assert "rnn.json has no metric 'test_loss'" in result.stderr
