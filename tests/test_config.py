import pytest
import yaml

from ganrnn.config import ConfigError, Params, as_flat_dict, build, load_params


def _build(raw):
    return build(Params, raw, "")


def test_repository_params_valid(params):
    assert params.gan.noise_dim == 100
    assert params.langid.cells == ["lstm"]


def test_unknown_loss_choice(raw_params):
    raw_params["langid"]["cells"] = ["transformer"]
    with pytest.raises(ConfigError) as err:
        _build(raw_params)
    assert "langid.cells[0]='transformer'" in str(err.value)
    assert "rnn, lstm, gru" in str(err.value)


def test_negative_size(raw_params):
    raw_params["gan"]["batch_size"] = -4
    with pytest.raises(ConfigError, match=r"gan.batch_size=-4 is out of range: it must be at least 2"):
        _build(raw_params)


def test_missing_key(raw_params):
    del raw_params["textgen"]["hidden_size"]
    with pytest.raises(ConfigError, match=r"textgen.hidden_size is missing"):
        _build(raw_params)


def test_unknown_key(raw_params):
    raw_params["gan"]["learning_rate"] = 0.1
    with pytest.raises(ConfigError) as err:
        _build(raw_params)
    assert "gan.learning_rate is an unknown key" in str(err.value)
    assert "lr" in str(err.value)


def test_wrong_type_string(raw_params):
    raw_params["textgen"]["steps"] = "many"
    with pytest.raises(ConfigError, match=r"textgen.steps='many' is invalid: expected an integer"):
        _build(raw_params)


def test_bool_rejected_as_int(raw_params):
    raw_params["gan"]["faces"]["iterations"] = True
    with pytest.raises(ConfigError, match=r"gan.faces.iterations=True is invalid"):
        _build(raw_params)


def test_int_accepted_as_float(raw_params):
    raw_params["gan"]["beta1"] = 0
    assert _build(raw_params).gan.beta1 == 0.0


def test_image_size_choices(raw_params):
    raw_params["data"]["faces"]["image_size"] = 48
    with pytest.raises(ConfigError, match=r"allowed values are 32, 64"):
        _build(raw_params)


def test_source_choices(raw_params):
    raw_params["data"]["faces"]["source"] = "ftp"
    with pytest.raises(ConfigError, match=r"data.faces.source='ftp' is invalid"):
        _build(raw_params)


def test_chunk_bounds_order(raw_params):
    raw_params["data"]["languages"]["min_chunk_len"] = 60
    with pytest.raises(ConfigError, match=r"min_chunk_len=60 is larger than"):
        _build(raw_params)


def test_open_lower_bound(raw_params):
    raw_params["gan"]["lr"] = 0.0
    with pytest.raises(ConfigError, match=r"gan.lr=0.0 is out of range: it must be greater than 0.0"):
        _build(raw_params)


def test_section_not_mapping(raw_params):
    raw_params["gan"] = [1, 2]
    with pytest.raises(ConfigError, match=r"gan=\[1, 2\] is invalid: expected a mapping"):
        _build(raw_params)


def test_schedule_not_mapping_names_keys(raw_params):
    raw_params["gan"]["digits"] = 5
    with pytest.raises(ConfigError, match=r"gan.digits=5 is invalid: expected a mapping with the keys iterations, sample_every"):
        _build(raw_params)


def test_missing_section_names_keys(raw_params):
    del raw_params["gan"]["faces"]
    with pytest.raises(ConfigError, match=r"gan.faces is missing from params.yaml; add it as a section with the keys iterations, sample_every"):
        _build(raw_params)


def test_load_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"not found"):
        load_params(tmp_path / "params.yaml")


def test_load_invalid_yaml(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("gan: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not valid YAML"):
        load_params(path)


def test_load_roundtrip(tmp_path, raw_params):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    assert load_params(path).textgen.sample_prime == raw_params["textgen"]["sample_prime"]


def test_flat_dict_keys(params):
    flat = as_flat_dict(params)
    assert flat["data.faces.image_size"] == params.data.faces.image_size
    assert flat["gan.lr"] == params.gan.lr


@pytest.mark.parametrize(
    "section,source,key",
    [("faces", "local", "path"), ("shakespeare", "remote", "url"), ("shakespeare", "local", "path"),
     ("languages", "remote", "base_url"), ("languages", "local", "path")],
)  # fmt: skip
def test_source_needs_location(raw_params, section, source, key):
    raw_params["data"][section]["source"] = source
    raw_params["data"][section][key] = ""
    with pytest.raises(ConfigError) as err:
        _build(raw_params)
    assert f"data.{section}.{key} is empty but data.{section}.source='{source}' needs it" in str(err.value)


def test_faces_remote_without_url(raw_params):
    raw_params["data"]["faces"]["source"] = "remote"
    assert _build(raw_params).data.faces.url == ""


def test_sha256_pattern(raw_params):
    raw_params["data"]["shakespeare"]["sha256"] = "abc"
    with pytest.raises(ConfigError, match=r"data.shakespeare.sha256='abc' is invalid: expected empty or 64 hexadecimal digits"):
        _build(raw_params)


def test_on_bad_image_choices(raw_params):
    raw_params["data"]["faces"]["on_bad_image"] = "ignore"
    with pytest.raises(ConfigError, match=r"allowed values are skip, error"):
        _build(raw_params)


def test_beta_must_be_below_one(raw_params):
    raw_params["gan"]["beta1"] = 1.0
    with pytest.raises(ConfigError, match=r"gan.beta1=1.0 is out of range: it must be less than 1.0"):
        _build(raw_params)


def test_empty_prime(raw_params):
    raw_params["textgen"]["sample_prime"] = ""
    with pytest.raises(ConfigError, match=r"textgen.sample_prime='' is invalid: expected a non-empty string"):
        _build(raw_params)


def test_duplicate_cells(raw_params):
    raw_params["langid"]["cells"] = ["lstm", "lstm"]
    with pytest.raises(ConfigError, match=r"langid.cells=\['lstm', 'lstm'\] is invalid: list each value once"):
        _build(raw_params)


def test_unknown_top_level_key(raw_params):
    raw_params["extra"] = 1
    with pytest.raises(ConfigError, match=r"^extra is an unknown key"):
        _build(raw_params)


def test_load_empty_file(tmp_path):
    (tmp_path / "params.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"params.yaml is empty"):
        load_params(tmp_path / "params.yaml")


def test_load_directory(tmp_path):
    with pytest.raises(ConfigError, match=r"is a folder"):
        load_params(tmp_path)


def test_baseline_ngram_order(raw_params):
    raw_params["langid"]["baseline"].update(ngram_min=5, ngram_max=4)
    with pytest.raises(ConfigError, match=r"langid.baseline.ngram_min=5 is larger than langid.baseline.ngram_max=4"):
        build(Params, raw_params, "")


def test_baseline_c_positive(raw_params):
    raw_params["langid"]["baseline"]["C"] = 0
    with pytest.raises(ConfigError, match=r"langid.baseline.C=0.0 is out of range: it must be greater than 0.0"):
        build(Params, raw_params, "")


def test_baseline_missing_key(raw_params):
    del raw_params["langid"]["baseline"]["train_chunks"]
    with pytest.raises(ConfigError, match=r"langid.baseline.train_chunks is missing"):
        build(Params, raw_params, "")


def test_langid_loss_from_bound(raw_params):
    raw_params["langid"].update(chunk_len=20, loss_from=21)
    with pytest.raises(ConfigError, match=r"langid.loss_from=21 is larger than langid.chunk_len=20"):
        build(Params, raw_params, "")


def test_langid_lr_schedule_choices(raw_params):
    raw_params["langid"]["lr_schedule"] = "step"
    with pytest.raises(ConfigError, match=r"langid.lr_schedule='step' is invalid: allowed values are constant, cosine"):
        build(Params, raw_params, "")


def test_textgen_dropout_one_layer(raw_params):
    raw_params["textgen"].update(dropout=0.2, num_layers=1)
    with pytest.raises(ConfigError, match=r"textgen.dropout=0.2 needs textgen.num_layers >= 2"):
        build(Params, raw_params, "")


def test_textgen_dropout_range(raw_params):
    raw_params["textgen"]["dropout"] = 1.0
    with pytest.raises(ConfigError, match=r"textgen.dropout=1.0 is out of range: it must be less than 1.0"):
        build(Params, raw_params, "")


def test_textgen_warmup_below_steps(raw_params):
    raw_params["textgen"].update(warmup_steps=40, steps=40)
    with pytest.raises(ConfigError, match=r"textgen.warmup_steps=40 leaves no step at the full learning rate"):
        build(Params, raw_params, "")


def test_textgen_batching_choices(raw_params):
    raw_params["textgen"]["batching"] = "bucket"
    with pytest.raises(ConfigError, match=r"textgen.batching='bucket' is invalid: allowed values are random, stream"):
        build(Params, raw_params, "")


def test_textgen_zero_temperature(raw_params):
    raw_params["textgen"]["sample_temperature"] = 0
    assert build(Params, raw_params, "").textgen.sample_temperature == 0.0


def test_textgen_negative_top_k(raw_params):
    raw_params["textgen"]["sample_top_k"] = -1
    with pytest.raises(ConfigError, match=r"textgen.sample_top_k=-1 is out of range: it must be at least 0"):
        build(Params, raw_params, "")


def test_textgen_tie_weights_bool(raw_params):
    raw_params["textgen"]["tie_weights"] = "yes"
    with pytest.raises(ConfigError, match=r"textgen.tie_weights='yes' is invalid: expected true or false"):
        build(Params, raw_params, "")
