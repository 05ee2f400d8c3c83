"""Shipped datasets and configs are found by a bare name only."""

from __future__ import annotations

from forecast.data.catalog import is_bare_name, resolve_config, resolve_dataset, shipped_root


def test_a_bare_name_finds_the_shipped_dataset_a_path_never_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_dataset("banan") == shipped_root() / "data" / "banan"
    assert resolve_dataset("some/typo/banan") == tmp_path.joinpath("some/typo/banan").relative_to(tmp_path)
    assert not resolve_dataset("./banan").is_dir()
    assert resolve_config("china") == shipped_root() / "configs" / "china.yaml"
    assert not resolve_config("configs2/china.yaml").exists()


def test_bare_names():
    assert is_bare_name("banan") and is_bare_name("china.yaml")
    assert not any(map(is_bare_name, ["a/b", "./a", "../a", "~/a", ""]))
