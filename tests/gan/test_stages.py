"""The GAN stages of dvc.yaml, as DVC resolves their matrices: which params each one depends on."""

import dataclasses

import pytest
from dvc.dependency.param import ParamsDependency
from dvc.repo import Repo

from ganrnn.config import GAN_DATASETS, GanConfig, gan_variants
from helpers import ROOT


@pytest.fixture(scope="module")
def stage_params() -> dict[str, list[str]]:
    """Map every resolved stage name to the params.yaml keys it lists."""
    with Repo(str(ROOT)) as repo:
        return {
            stage.name: [key for dep in stage.deps if isinstance(dep, ParamsDependency) for key in dep.params]
            for stage in repo.index.stages
        }


@pytest.mark.parametrize("dataset", GAN_DATASETS)
def test_train_gan_reads_own_schedule(stage_params, params, dataset):
    other = next(d for d in GAN_DATASETS if d != dataset)
    shared = [f"gan.{f.name}" for f in dataclasses.fields(GanConfig) if f.name not in GAN_DATASETS]
    names = [name for name in stage_params if name.startswith(f"train_gan@{dataset}-")]
    assert len(names) == len(gan_variants(params.gan_losses)), names
    for name in names:
        # A key of the gan section missing here would not retrain the GANs when it changes.
        assert set(shared) <= set(stage_params[name]), name
        assert f"gan.{dataset}" in stage_params[name]
        assert f"gan.{other}" not in stage_params[name]
        assert "gan" not in stage_params[name]
