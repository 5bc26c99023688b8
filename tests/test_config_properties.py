"""Property test of the params schema: any single invalid change to the real params.yaml fails
with a ConfigError that names the changed key.

What is invalid is derived from the dataclasses in ganrnn.config (types and the `_range`,
`_choices` and `pattern` metadata), so the test follows the schema as it grows.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import typing
from dataclasses import dataclass

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganrnn.config import ConfigError, Params, build
from helpers import ROOT

RAW = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Leaf:
    """One scalar or list key of params.yaml with its type and schema metadata."""

    path: tuple[str, ...]
    tp: typing.Any
    meta: dict

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def _leaves(cls: type, prefix: tuple[str, ...] = ()) -> list[Leaf]:
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            found += _leaves(tp, prefix + (f.name,))
        else:
            found.append(Leaf(prefix + (f.name,), tp, dict(f.metadata)))
    return found


def _sections(cls: type, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], type]]:
    """List every mapping of the schema, the top level included, with its dataclass."""
    hints = typing.get_type_hints(cls)
    found = [(prefix, cls)]
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            found += _sections(hints[f.name], prefix + (f.name,))
    return found


LEAVES = _leaves(Params)
SECTIONS = _sections(Params)


def _parent(raw: dict, path: tuple[str, ...]) -> dict:
    for key in path[:-1]:
        raw = raw[key]
    return raw


# --- invalid values, derived from a leaf's type and metadata ---------------------------------------

_ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _matches_type(value: typing.Any, tp: typing.Any) -> bool:
    """Mirror the type rules of the schema: bool is not an int, an int is a valid float."""
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, tp)


def _wrong_type(tp: typing.Any) -> st.SearchStrategy:
    if typing.get_origin(tp) is list:
        (item_tp,) = typing.get_args(tp)
        return st.one_of(
            _ANY_SCALAR.filter(lambda v: not isinstance(v, list)),
            st.just([]),
            st.lists(_ANY_SCALAR.filter(lambda v: not _matches_type(v, item_tp)), min_size=1, max_size=3),
        )
    if tp is float:
        # NaN and infinities have the right type but are not numbers a schema can range-check.
        return st.one_of(_ANY_SCALAR.filter(lambda v: not _matches_type(v, tp)), st.sampled_from([float("nan"), float("inf"), float("-inf")]))
    return _ANY_SCALAR.filter(lambda v: not _matches_type(v, tp))


def _out_of_range(tp: typing.Any, meta: dict) -> st.SearchStrategy | None:
    """Build values of the right type outside the field's bounds, and for floats ints beyond any float."""
    low, high = meta.get("low"), meta.get("high")
    options = []
    if tp is float:
        # YAML reads a long digit string as an int that no 64-bit float can hold.
        options += [st.integers(min_value=2**1024), st.integers(max_value=-(2**1024))]
    if low is not None:
        # An open bound excludes the bound itself, a closed one only what lies beyond it.
        below_int = math.ceil(low) - 1 if not meta["low_open"] else math.floor(low)
        options.append(st.integers(max_value=below_int))
        if tp is float:
            options.append(st.floats(max_value=low, exclude_max=not meta["low_open"], allow_nan=False, allow_infinity=False))
    if high is not None:
        above_int = math.floor(high) + 1 if not meta["high_open"] else math.ceil(high)
        options.append(st.integers(min_value=above_int))
        if tp is float:
            options.append(st.floats(min_value=high, exclude_min=not meta["high_open"], allow_nan=False, allow_infinity=False))
    return st.one_of(options) if options else None


def _not_a_choice(tp: typing.Any, meta: dict) -> st.SearchStrategy | None:
    choices = meta.get("choices")
    if choices is None:
        return None
    item_tp = typing.get_args(tp)[0] if typing.get_origin(tp) is list else tp
    values = {str: st.text(max_size=12), int: st.integers(), float: st.floats(allow_nan=False)}[item_tp].filter(lambda v: v not in choices)
    if typing.get_origin(tp) is list:
        # One unknown value among valid ones, or a valid value listed twice.
        valid = st.sampled_from(choices)
        return st.one_of(
            st.tuples(st.lists(valid, max_size=2, unique=True), values).map(lambda t: [*t[0], t[1]]),
            valid.map(lambda v: [v, v]),
        )
    return values


def _pattern_mismatch(meta: dict) -> st.SearchStrategy | None:
    pattern = meta.get("pattern")
    if pattern is None:
        return None
    return st.one_of(st.just(""), st.text(max_size=80)).filter(lambda v: not re.fullmatch(pattern, v))


def _invalid_values(leaf: Leaf) -> st.SearchStrategy:
    options = [_wrong_type(leaf.tp)]
    for extra in (_out_of_range(leaf.tp, leaf.meta), _not_a_choice(leaf.tp, leaf.meta), _pattern_mismatch(leaf.meta)):
        if extra is not None:
            options.append(extra)
    return st.one_of(options)


# --- the properties ---------------------------------------------------------------------------------


def _assert_rejected(raw: dict, name: str) -> None:
    with pytest.raises(ConfigError) as err:
        build(Params, raw, "")
    assert name in str(err.value), f"{str(err.value)!r} does not name {name}"


def test_real_params_valid():
    build(Params, copy.deepcopy(RAW), "")


def test_leaves_cover_every_section():
    for path, _ in SECTIONS:
        assert any(leaf.path[: len(path)] == path for leaf in LEAVES), f"no leaf under {'.'.join(path)}"
    assert {leaf.path[0] for leaf in LEAVES} == set(RAW)


def test_leaves_match_params_yaml():
    for leaf in LEAVES:
        assert leaf.path[-1] in _parent(RAW, leaf.path), f"{leaf.dotted} is in the schema but not in params.yaml"


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda leaf: leaf.dotted)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_invalid_value_named(leaf, data):
    raw = copy.deepcopy(RAW)
    value = data.draw(_invalid_values(leaf), label=leaf.dotted)
    _parent(raw, leaf.path)[leaf.path[-1]] = value
    _assert_rejected(raw, leaf.dotted)


@settings(max_examples=200, deadline=None)
@given(leaf=st.sampled_from(LEAVES))
def test_missing_key_named(leaf):
    raw = copy.deepcopy(RAW)
    del _parent(raw, leaf.path)[leaf.path[-1]]
    _assert_rejected(raw, leaf.dotted)


@settings(max_examples=200, deadline=None)
@given(section=st.sampled_from(SECTIONS), key=st.text(min_size=1, max_size=12))
def test_unknown_key_named(section, key):
    path, cls = section
    names = {f.name for f in dataclasses.fields(cls)}
    if key in names:
        key = key + "_unknown"
    raw = copy.deepcopy(RAW)
    mapping = raw
    for part in path:
        mapping = mapping[part]
    mapping[key] = 1
    _assert_rejected(raw, ".".join(path + (key,)))


@settings(max_examples=200, deadline=None)
@given(section=st.sampled_from([s for s in SECTIONS if s[0]]), value=_ANY_SCALAR)
def test_section_not_mapping_named(section, value):
    path, _ = section
    raw = copy.deepcopy(RAW)
    _parent(raw, path)[path[-1]] = value
    _assert_rejected(raw, ".".join(path))


URL_KEYS = [("data", "faces", "url"), ("data", "shakespeare", "url"), ("data", "languages", "base_url")]


@pytest.mark.parametrize("path", URL_KEYS, ids=".".join)
@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.zip", "/local/path.zip", "http://a b"])
def test_url_not_http_rejected(path, url):
    raw = copy.deepcopy(RAW)
    _parent(raw, path)[path[-1]] = url
    _assert_rejected(raw, ".".join(path))


@pytest.mark.parametrize("path", URL_KEYS, ids=".".join)
@pytest.mark.parametrize("url", ["", "http://127.0.0.1:8000/x.zip", "HTTPS://example.org/data/"])
def test_url_http_accepted(path, url):
    raw = copy.deepcopy(RAW)
    _parent(raw, path)[path[-1]] = url
    build(Params, raw, "")
