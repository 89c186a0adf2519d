"""Estimator loading by path and class (spec 2.2) and its errors."""

import textwrap

import pytest

from whestbench.loading import Entrypoint, EstimatorLoadError, instantiate, load_estimator_class

HEAD = "import flopscope.numpy as fnp\nfrom whestbench import BaseEstimator\n"
BODY = "    def predict(self, mlp, budget):\n        return fnp.zeros((mlp.depth, mlp.width))\n"


def write(tmp_path, text, name="estimator.py"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def load(path, cls=None):
    return load_estimator_class(Entrypoint(path, cls))


def test_single_subclass_is_found(tmp_path):
    cls = load(write(tmp_path, HEAD + "class Mine(BaseEstimator):\n" + BODY))
    assert cls.__name__ == "Mine"


def test_class_named_estimator_wins(tmp_path):
    src = HEAD + "class Other(BaseEstimator):\n" + BODY + "class Estimator(BaseEstimator):\n" + BODY
    assert load(write(tmp_path, src)).__name__ == "Estimator"


def test_explicit_class(tmp_path):
    src = HEAD + "class A(BaseEstimator):\n" + BODY + "class B(BaseEstimator):\n" + BODY
    assert load(write(tmp_path, src), "B").__name__ == "B"


def test_several_classes_is_an_error_naming_them(tmp_path):
    src = HEAD + "class A(BaseEstimator):\n" + BODY + "class B(BaseEstimator):\n" + BODY
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, src))
    assert e.value.code == "ESTIMATOR_CLASS_AMBIGUOUS" and "A, B" in e.value.message and "--class" in e.value.hint


def test_no_class_is_an_error(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, HEAD + "x = 1\n"))
    assert e.value.code == "ESTIMATOR_CLASS_NOT_FOUND" and "BaseEstimator" in e.value.hint


def test_only_imported_classes_need_class_flag(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, "from whestbench.estimators import MeanPropagationEstimator\n"))
    assert e.value.code == "ESTIMATOR_CLASS_NOT_FOUND" and "MeanPropagationEstimator" in e.value.hint
    path = write(tmp_path, "from whestbench.estimators import MeanPropagationEstimator\n", "b.py")
    assert load(path, "MeanPropagationEstimator").__name__ == "MeanPropagationEstimator"


def test_explicit_class_must_exist_and_subclass(tmp_path):
    path = write(tmp_path, HEAD + "class Estimator(BaseEstimator):\n" + BODY + "class Plain:\n    pass\n")
    with pytest.raises(EstimatorLoadError, match="no class 'Nope'"):
        load(path, "Nope")
    with pytest.raises(EstimatorLoadError, match="not a subclass"):
        load(path, "Plain")


def test_estimator_not_subclassing_is_an_error(tmp_path):
    with pytest.raises(EstimatorLoadError, match="not a subclass") as e:
        load(write(tmp_path, "class Estimator:\n    def predict(self, mlp, budget):\n        return 0\n"))
    assert e.value.code == "ESTIMATOR_CLASS_NOT_FOUND"


def test_syntax_error_names_the_line(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, HEAD + "def broken(:\n    pass\n"))
    assert e.value.code == "ESTIMATOR_SYNTAX_ERROR" and "estimator.py:3" in e.value.message
    assert "SyntaxError" in e.value.traceback_text


def test_import_error_carries_the_traceback(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, HEAD + "raise RuntimeError('boom at import')\n"))
    assert e.value.code == "ESTIMATOR_IMPORT_ERROR" and "boom at import" in e.value.message
    assert "RuntimeError" in e.value.traceback_text


def test_missing_module(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(write(tmp_path, "import no_such_module_xyz\n"))
    assert e.value.code == "ESTIMATOR_MISSING_MODULE" and "no_such_module_xyz" in e.value.message


def test_missing_file(tmp_path):
    with pytest.raises(EstimatorLoadError) as e:
        load(str(tmp_path / "nope.py"))
    assert e.value.code == "ESTIMATOR_NOT_FOUND"


def test_sibling_modules_import(tmp_path):
    (tmp_path / "helper_mod_for_test.py").write_text("VALUE = 3\n")
    src = HEAD + "import helper_mod_for_test\nclass Estimator(BaseEstimator):\n" + BODY
    assert load(write(tmp_path, src)).__module__.startswith("_whestbench_submission_")


def test_constructor_error(tmp_path):
    src = HEAD + "class Estimator(BaseEstimator):\n    def __init__(self):\n        raise ValueError('ctor')\n" + BODY
    with pytest.raises(EstimatorLoadError) as e:
        instantiate(load(write(tmp_path, src)))
    assert e.value.code == "ESTIMATOR_INIT_ERROR" and "ctor" in e.value.message
