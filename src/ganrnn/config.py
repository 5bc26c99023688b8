"""Typed, validated views of params.yaml.

Every pipeline script builds its section through `load_section`, so a bad value fails with the
key, the value and the allowed values before any data is read or any model is built.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = (
    "albanian", "czech", "danish", "english", "esperanto", "finnish", "french", "german",
    "hungarian", "italian", "lithuanian", "maori", "norwegian", "portuguese", "romanian",
    "spanish", "swedish", "turkish", "vietnamese", "xhosa",
)  # fmt: skip
CELLS = ("rnn", "lstm", "gru")
GAN_LOSSES = ("bce", "ls", "hinge", "wgan-gp")
GAN_DATASETS = ("faces", "digits")


def gan_variants(losses: list[str] | tuple[str, ...]) -> list[str]:
    """Names of the train_gan matrix entries per dataset, `<loss>-<spectral_norm>` as dvc.yaml builds them."""
    return [f"{loss}-{sn}" for loss in losses for sn in ("true", "false")]

SOURCES = ("packaged", "remote", "local")
ON_BAD_IMAGE = ("skip", "error")


class ConfigError(ValueError):
    """An invalid params.yaml value; the message names the key, the value and the fix."""


def _range(
    low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False
) -> dict:
    return {"low": low, "high": high, "low_open": low_open, "high_open": high_open}


def _choices(*values: object) -> dict:
    return {"choices": values}


def _sha256() -> dict:
    return {"pattern": r"(|[0-9a-fA-F]{64})", "pattern_help": "empty or 64 hexadecimal digits"}


def _url() -> dict:
    # The downloader accepts http and https only; checking here fails before any stage runs.
    return {"pattern": r"(?i)(|https?://\S+)", "pattern_help": "empty or an http:// or https:// URL"}


def _require(section: str, source: str, needed: dict[str, str]) -> None:
    """Fail when a key that `source` needs is empty, e.g. `path` for the local source."""
    for key, value in needed.items():
        if not value:
            raise ConfigError(
                f"data.{section}.{key} is empty but data.{section}.source={source!r} needs it; "
                f"set data.{section}.{key}, or use source: packaged for the offline data"
            )


# --- data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacesData:
    source: str = field(metadata=_choices(*SOURCES))
    limit: int = field(metadata=_range(0))  # 0 = every image of the source
    image_size: int = field(metadata=_choices(32, 64))
    channels: int = field(metadata=_choices(1, 3))
    url: str = field(metadata=_url())  # remote: img_align_celeba.zip; empty = torchvision's CelebA downloader
    sha256: str = field(metadata=_sha256())
    path: str  # local: img_align_celeba.zip or a folder of JPEGs
    on_bad_image: str = field(metadata=_choices(*ON_BAD_IMAGE))

    def __post_init__(self) -> None:
        if self.source == "local":
            _require("faces", self.source, {"path": self.path})


@dataclass(frozen=True)
class ShakespeareData:
    source: str = field(metadata=_choices(*SOURCES))
    test_fraction: float = field(metadata=_range(0.0, 0.5, low_open=True))
    url: str = field(metadata=_url())
    sha256: str = field(metadata=_sha256())
    path: str

    def __post_init__(self) -> None:
        if self.source == "remote":
            _require("shakespeare", self.source, {"url": self.url})
        if self.source == "local":
            _require("shakespeare", self.source, {"path": self.path})


@dataclass(frozen=True)
class LanguagesData:
    source: str = field(metadata=_choices(*SOURCES))
    base_url: str = field(metadata=_url())  # remote: folder URL of the 20 translation zips
    path: str  # local: the assignment's train/ and test/ split, or the 20 zips
    test_fraction: float = field(metadata=_range(0.0, 0.5, low_open=True))
    eval_chunks: int = field(metadata=_range(20))
    kaggle_chunks: int = field(metadata=_range(1))
    min_chunk_len: int = field(metadata=_range(1))
    max_chunk_len: int = field(metadata=_range(1))

    def __post_init__(self) -> None:
        if self.source == "remote":
            _require("languages", self.source, {"base_url": self.base_url})
        if self.source == "local":
            _require("languages", self.source, {"path": self.path})
        if self.min_chunk_len > self.max_chunk_len:
            raise ConfigError(
                f"data.languages.min_chunk_len={self.min_chunk_len} is larger than "
                f"data.languages.max_chunk_len={self.max_chunk_len}; make min <= max."
            )


@dataclass(frozen=True)
class DigitsData:
    source: str = field(metadata=_choices("packaged"))  # scikit-learn ships the 8x8 digits
    image_size: int = field(metadata=_choices(16, 32))
    count: int = field(metadata=_range(100))  # stacked three-digit images to train the GANs on
    test_fraction: float = field(metadata=_range(0.0, 0.5, low_open=True))


@dataclass(frozen=True)
class DataConfig:
    faces: FacesData
    shakespeare: ShakespeareData
    languages: LanguagesData
    digits: DigitsData


# --- models ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GanSchedule:
    """Training length of one data set's GANs and the interval of their sample grids."""

    iterations: int = field(metadata=_range(1))
    sample_every: int = field(metadata=_range(1))  # iterations between sample grids and evaluated snapshots


@dataclass(frozen=True)
class GanConfig:
    noise_dim: int = field(metadata=_range(1))
    g_width: int = field(metadata=_range(1))
    d_width: int = field(metadata=_range(1))
    batch_size: int = field(metadata=_range(2))
    lr: float = field(metadata=_range(0.0, 1.0, low_open=True))
    beta1: float = field(metadata=_range(0.0, 1.0, high_open=True))  # Adam needs betas < 1
    beta2: float = field(metadata=_range(0.0, 1.0, high_open=True))
    log_every: int = field(metadata=_range(1))
    grid_samples: int = field(metadata=_range(4, 256))
    critic_steps: int = field(metadata=_range(1, 10))  # discriminator updates per generator update
    gp_weight: float = field(metadata=_range(0.0))  # lambda of the WGAN-GP gradient penalty
    checkpoint_every: int = field(metadata=_range(1))  # iterations between resume checkpoints
    precision: str = field(metadata=_choices("fp32", "bf16"))  # bf16: autocast forward passes
    channels_last: bool  # NHWC memory layout, faster convolutions on recent GPUs
    compile: bool  # torch.compile both networks (slow start, faster steps on GPUs)
    # One schedule per data set, so that DVC reruns only the stages of the data set whose schedule changed.
    faces: GanSchedule
    digits: GanSchedule

    def schedule(self, dataset: str) -> GanSchedule:
        """Return the training schedule of `dataset`, one of GAN_DATASETS."""
        if dataset not in GAN_DATASETS:
            raise ValueError(f"dataset={dataset!r} is invalid; allowed values are {', '.join(GAN_DATASETS)}")
        return getattr(self, dataset)


@dataclass(frozen=True)
class ExtractorConfig:
    """The small networks whose features give FD-<extractor> (faces) and digit labels (digits)."""

    feature_dim: int = field(metadata=_range(2, 512))
    steps: int = field(metadata=_range(1))
    batch_size: int = field(metadata=_range(2))
    lr: float = field(metadata=_range(0.0, 1.0, low_open=True))
    log_every: int = field(metadata=_range(1))
    checkpoint_every: int = field(metadata=_range(1))


@dataclass(frozen=True)
class GanEvalConfig:
    samples: int = field(metadata=_range(16))  # generated images per checkpoint for FD, KID, duplicates
    coverage_samples: int = field(metadata=_range(100))  # stacked digits whose modes are counted
    batch_size: int = field(metadata=_range(2))  # generator batch; BatchNorm uses its statistics
    kid_subsets: int = field(metadata=_range(1))
    kid_subset_size: int = field(metadata=_range(2))
    msssim_pairs: int = field(metadata=_range(1))
    inception_weights: str  # FID Inception weights file; empty = look in the torch hub cache


TEXTGEN_BATCHING = ("random", "stream")
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TextgenConfig:
    embed_dim: int = field(metadata=_range(1))
    hidden_size: int = field(metadata=_range(1))
    param_budget: int = field(metadata=_range(0))  # 0 = every cell uses hidden_size
    num_layers: int = field(metadata=_range(1, 8))
    dropout: float = field(metadata=_range(0.0, 1.0, high_open=True))
    tie_weights: bool
    batching: str = field(metadata=_choices(*TEXTGEN_BATCHING))
    chunk_len: int = field(metadata=_range(2))
    batch_size: int = field(metadata=_range(1))
    lr: float = field(metadata=_range(0.0, 1.0, low_open=True))
    lr_schedule: str = field(metadata=_choices(*LR_SCHEDULES))
    warmup_steps: int = field(metadata=_range(0))
    steps: int = field(metadata=_range(1))
    grad_clip: float = field(metadata=_range(0.0, low_open=True))
    eval_every: int = field(metadata=_range(1))
    eval_batches: int = field(metadata=_range(1))
    sample_prime: str = field(metadata={"pattern": r"(?s).+", "pattern_help": "a non-empty string"})
    sample_length: int = field(metadata=_range(1))
    sample_temperature: float = field(metadata=_range(0.0, 10.0))  # 0 = greedy (argmax)
    sample_top_k: int = field(metadata=_range(0))  # 0 = sample from every character
    checkpoint_every: int = field(metadata=_range(1))  # steps between resume checkpoints

    def __post_init__(self) -> None:
        if self.dropout > 0 and self.num_layers == 1:
            raise ConfigError(
                f"textgen.dropout={self.dropout} needs textgen.num_layers >= 2, because the dropout "
                f"acts between recurrent layers and textgen.num_layers=1; set textgen.dropout: 0 or "
                f"add a layer"
            )
        if self.warmup_steps >= self.steps:
            raise ConfigError(
                f"textgen.warmup_steps={self.warmup_steps} leaves no step at the full learning rate "
                f"because textgen.steps={self.steps}; make warmup_steps smaller than steps"
            )


@dataclass(frozen=True)
class BaselineConfig:
    """The scikit-learn language classifier: character n-gram TF-IDF and a linear SVM."""

    ngram_min: int = field(metadata=_range(1, 8))
    ngram_max: int = field(metadata=_range(1, 8))
    train_chunks: int = field(metadata=_range(20))  # drawn from the training text like the test chunks
    C: float = field(metadata=_range(0.0, low_open=True))  # inverse regularization strength of the SVM

    def __post_init__(self) -> None:
        if self.ngram_min > self.ngram_max:
            raise ConfigError(
                f"langid.baseline.ngram_min={self.ngram_min} is larger than "
                f"langid.baseline.ngram_max={self.ngram_max}; make ngram_min <= ngram_max."
            )


@dataclass(frozen=True)
class LangidConfig:
    cells: list[str] = field(metadata=_choices(*CELLS))
    embed_dim: int = field(metadata=_range(1))
    hidden_size: int = field(metadata=_range(1))
    num_layers: int = field(metadata=_range(1, 8))
    dropout: float = field(metadata=_range(0.0, 1.0))
    extra_linear: bool
    chunk_len: int = field(metadata=_range(1))
    loss_from: int = field(metadata=_range(0))  # 0 = loss at the last character only
    batch_size: int = field(metadata=_range(1))
    lr: float = field(metadata=_range(0.0, 1.0, low_open=True))
    lr_schedule: str = field(metadata=_choices(*LR_SCHEDULES))
    steps: int = field(metadata=_range(1))
    grad_clip: float = field(metadata=_range(0.0, low_open=True))
    eval_every: int = field(metadata=_range(1))
    checkpoint_every: int = field(metadata=_range(1))  # steps between resume checkpoints
    baseline: BaselineConfig

    def __post_init__(self) -> None:
        if self.loss_from > self.chunk_len:
            raise ConfigError(
                f"langid.loss_from={self.loss_from} is larger than langid.chunk_len={self.chunk_len}, "
                f"so no step of a training chunk would be scored; make loss_from <= chunk_len, or 0"
            )


@dataclass(frozen=True)
class Thresholds:
    """Limits that `pipeline/check_thresholds.py` enforces on the metrics of every variant."""

    textgen_test_loss_max: float = field(metadata=_range(0.0, low_open=True))
    langid_accuracy_min: float = field(metadata=_range(0.0, 1.0))
    langid_kaggle_accuracy_min: float = field(metadata=_range(0.0, 1.0))
    gan_final_diversity_min: float = field(metadata=_range(0.0))  # faces, every variant
    digit_classifier_accuracy_min: float = field(metadata=_range(0.0, 1.0))


@dataclass(frozen=True)
class DistributedConfig:
    """Launcher settings of train_gan and train_textgen: one process, or one per device under torchrun."""

    launcher: str = field(metadata=_choices("none", "torchrun"))
    nproc_per_node: int = field(metadata=_range(1, 64))
    backend: str = field(metadata=_choices("auto", "gloo", "nccl"))  # auto: nccl on CUDA, else gloo


@dataclass(frozen=True)
class Params:
    seed: int = field(metadata=_range(0, 2**32 - 1))
    device: str = field(metadata=_choices("auto", "cpu", "cuda"))
    distributed: DistributedConfig
    data: DataConfig
    gan_losses: list[str] = field(metadata=_choices(*GAN_LOSSES))
    gan: GanConfig
    extractor: ExtractorConfig
    gan_eval: GanEvalConfig
    textgen: TextgenConfig
    langid: LangidConfig
    thresholds: Thresholds


# --- validation -----------------------------------------------------------------------------------


def _describe_type(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return f"a list of {_describe_type(typing.get_args(tp)[0])}"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _check_scalar(key: str, value: Any, tp: Any, meta: dict) -> Any:
    # bool is a subclass of int in Python, so `count: true` must be rejected explicitly.
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and isinstance(value, int) and abs(value) > sys.float_info.max:
            # YAML reads a long digit string as an int; float() of it would raise OverflowError.
            raise ConfigError(f"{key}={value!r} is out of range: it must fit in a 64-bit float.")
        ok = ok and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, tp)
    if not ok:
        raise ConfigError(f"{key}={value!r} is invalid: expected {_describe_type(tp)}.")

    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        raise ConfigError(f"{key}={value!r} is invalid: expected {meta['pattern_help']}.")
    if "choices" in meta and value not in meta["choices"]:
        allowed = ", ".join(str(c) for c in meta["choices"])
        raise ConfigError(f"{key}={value!r} is invalid: allowed values are {allowed}.")
    low, high = meta.get("low"), meta.get("high")
    if low is not None and (value < low or (meta.get("low_open") and value == low)):
        bound = f"greater than {low}" if meta.get("low_open") else f"at least {low}"
        raise ConfigError(f"{key}={value!r} is out of range: it must be {bound}.")
    if high is not None and (value > high or (meta.get("high_open") and value == high)):
        bound = f"less than {high}" if meta.get("high_open") else f"at most {high}"
        raise ConfigError(f"{key}={value!r} is out of range: it must be {bound}.")
    return value


def build(cls: type, mapping: Any, prefix: str) -> Any:
    """Build dataclass `cls` from `mapping`, rejecting unknown, missing and ill-typed keys."""
    if not isinstance(mapping, dict):
        keys = ", ".join(f.name for f in dataclasses.fields(cls))
        raise ConfigError(f"{prefix}={mapping!r} is invalid: expected a mapping with the keys {keys}.")

    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(mapping) - set(fields), key=str)
    if unknown:
        name = f"{prefix}.{unknown[0]}" if prefix else str(unknown[0])
        raise ConfigError(f"{name} is an unknown key; allowed keys are {', '.join(fields)}.")

    values = {}
    for name, f in fields.items():
        key = f"{prefix}.{name}" if prefix else name
        tp = hints[name]
        if name not in mapping:
            if dataclasses.is_dataclass(tp):
                keys = ", ".join(f.name for f in dataclasses.fields(tp))
                raise ConfigError(f"{key} is missing from params.yaml; add it as a section with the keys {keys}.")
            raise ConfigError(f"{key} is missing from params.yaml; add it to that section.")
        value = mapping[name]
        if dataclasses.is_dataclass(tp):
            values[name] = build(tp, value, key)
        elif typing.get_origin(tp) is list:
            if not isinstance(value, list) or not value:
                raise ConfigError(f"{key}={value!r} is invalid: expected {_describe_type(tp)}.")
            (item_tp,) = typing.get_args(tp)
            values[name] = [
                _check_scalar(f"{key}[{i}]", v, item_tp, f.metadata) for i, v in enumerate(value)
            ]
            if len(set(values[name])) != len(values[name]):
                raise ConfigError(f"{key}={value!r} is invalid: list each value once.")
        elif isinstance(tp, types.UnionType):
            raise TypeError(f"union types are not supported in params: {key}")
        else:
            values[name] = _check_scalar(key, value, tp, f.metadata)
    return cls(**values)


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate the whole params file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; run from the repository root.") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder; give the path of params.yaml") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}") from None
    if raw is None:
        raise ConfigError(f"{path} is empty; copy params.yaml from the repository and edit it")
    return build(Params, raw, "")


def as_flat_dict(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a params dataclass into dotted keys, the form MLflow params take."""
    flat: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        if dataclasses.is_dataclass(value):
            flat.update(as_flat_dict(value, key))
        else:
            flat[key] = value
    return flat
