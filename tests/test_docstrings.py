"""The Examples of the public docstrings run and say what they show (those marked +SKIP need a study or a file)."""

import doctest
import importlib
import pkgutil

import pytest

import fasttda


def public_modules():
    names = ["fasttda"]
    for info in pkgutil.walk_packages(fasttda.__path__, "fasttda."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", public_modules())
def test_examples_run(name, tmp_path, monkeypatch):
    if name.startswith("fasttda.nets"):
        pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0
