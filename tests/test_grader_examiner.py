"""The examiner's channel: what crosses from a student's notebook, and what a test sees of it.

These tests join the examiner's namespace to the real answering end (``student_side``) in one
process, through the same JSON text a kernel would send; the kernel tests are in
test_grader_integrity.py.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from grader.engine.examiner import student_side, wire
from grader.engine.examiner.namespace import CannotCheck, KernelLink, StudentError, StudentNamespace
from grader.engine.examiner.verdict import HIDDEN_FAILURE, run_test_cell


class Notebook:
    """A student's namespace behind the real answering end; it records every request it gets."""

    def __init__(self, code: str = "") -> None:
        self.user_ns: dict = {}
        exec(code, self.user_ns)
        self.requests: list[str] = []
        self.side = student_side.StudentSide(wire, self.user_ns)

    def ask(self, request: dict) -> str:
        text = json.dumps(request)
        self.requests.append(text)
        return self.side.answer(text)

    def run(self, test_source: str):
        return run_test_cell(test_source, "<test t>", StudentNamespace(KernelLink(self.ask)))


class _Decoder(wire.Decoder):
    def make_handle(self, tag, number, description):
        return (tag, description)


class _Encoder(wire.Encoder):
    def remember(self, value):
        return ["opaque", 1, wire.describe(value)]


def round_trip(value):
    return _Decoder().decode(wire.loads(wire.dumps(_Encoder().encode(value))))


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -(10**30), 2.5, math.inf, 1 + 2j, "naïve", b"\x00\xff", [1, [2]], (1, "a"), {1, 2}, {"a": {1: 2}}],
)
def test_builtin_values_arrive_equal_and_of_the_same_type(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


def test_a_nan_arrives_as_a_nan():
    assert math.isnan(round_trip(float("nan")))


def test_arrays_keep_dtype_shape_and_values():
    array = np.arange(12, dtype="float32").reshape(3, 4)[:, 1:]
    back = round_trip(array)
    assert back.dtype == array.dtype and back.shape == (3, 3) and np.array_equal(back, array)
    assert round_trip(np.int64(7)) == 7 and type(round_trip(np.int64(7))) is np.int64


def test_pandas_objects_arrive_as_their_data():
    frame = pd.DataFrame({"price": [1.5, 2.0], "city": ["Ames", "Oslo"]}, index=[10, 20])
    pd.testing.assert_frame_equal(round_trip(frame), frame)
    pd.testing.assert_series_equal(round_trip(frame["city"]), frame["city"])


def test_subclasses_of_data_types_are_not_data():
    class AlwaysEqual(list):
        def __eq__(self, other):
            return True

    class Agreeable(np.ndarray):
        pass

    assert round_trip(AlwaysEqual())[0] == "opaque"
    assert round_trip(np.zeros(2).view(Agreeable))[0] == "opaque"
    assert round_trip(np.array([object()], dtype=object))[0][0] == "opaque"


@pytest.mark.parametrize(
    "tree",
    [
        "not json",
        '{"a": 1}',
        '["pickle", "gASV"]',
        '["bool", 1]',
        '["int", 5]',
        '["int", "' + "9" * 6000 + '"]',
        '["float", "1e999999999999999999999999999999999999999999"]',
        '["ndarray", "|O", [1], "AAAA"]',
        '["ndarray", "<f8", [-1], ""]',
        '["ndarray", "<f8", [3], "AAAA"]',
        '["bytes", "not base64!"]',
        '["dict", [[["str", "a"]]]]',
        '["opaque", "1", "x"]',
        "[" * 200 + "]" * 200,
        '["list", ' * 100 + "[]" + "]" * 100,
    ],
)
def test_the_examiner_refuses_anything_that_is_not_exactly_the_format(tree):
    with pytest.raises((wire.WireError, RecursionError)):
        _Decoder().decode(wire.loads(tree))


def test_a_passing_test_and_a_failing_visible_one_say_why():
    notebook = Notebook("def add(a, b):\n    return a - b")
    verdict = notebook.run('assert add(1, 2) == 3, "add(1, 2) should be 3"')
    assert not verdict.passed
    assert verdict.message == 'add(1, 2) should be 3\nin line 1: assert add(1, 2) == 3, "add(1, 2) should be 3"'
    assert Notebook("def add(a, b):\n    return a + b").run("assert add(1, 2) == 3").passed


def test_a_failing_hidden_test_tells_nothing_of_itself():
    notebook = Notebook("def add(a, b):\n    return 3")
    source = 'assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(-4, 10) == 6, "secret"\n### END HIDDEN TESTS'
    verdict = notebook.run(source)
    assert not verdict.passed and verdict.message == HIDDEN_FAILURE


def test_expected_values_a_test_assigns_never_reach_the_notebook():
    notebook = Notebook("def area(r):\n    return 3.14159 * r * r")
    verdict = notebook.run("expected = 12.566\nsecret_radius = 2\nassert abs(area(secret_radius) - expected) < 1e-2")
    assert verdict.passed
    sent = " ".join(notebook.requests)
    assert "12.566" not in sent and "expected" not in sent and "secret_radius" not in sent
    assert "expected" not in notebook.user_ns


def test_deleting_and_restoring_a_student_function_acts_in_the_notebook():
    notebook = Notebook(
        "def squares(n):\n    return [i * i for i in range(1, n + 1)]\n"
        "def sum_of_squares(n):\n    return sum(squares(n))"
    )
    source = (
        "orig = squares\ndel squares\n"
        "try:\n    sum_of_squares(1)\nexcept NameError:\n    pass\n"
        "else:\n    raise AssertionError('sum_of_squares should use squares')\n"
        "finally:\n    squares = orig\n"
    )
    assert notebook.run(source).passed
    assert notebook.run("assert squares(2) == [1, 4]").passed
    assert notebook.user_ns["squares"](3) == [1, 4, 9]


def test_builtin_exceptions_of_student_calls_are_raised_as_themselves():
    notebook = Notebook("def positive(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x")
    assert notebook.run("try:\n    positive(-1)\nexcept ValueError as e:\n    assert str(e) == 'negative'").passed
    link = KernelLink(Notebook("class Oops(Exception): pass\ndef f():\n    raise Oops('x')").ask)
    with pytest.raises(StudentError, match="Oops: x"):
        StudentNamespace(link)["f"]()


def test_values_that_lie_about_equality_fail_with_one_clear_line():
    notebook = Notebook(
        "class AlwaysEqual(float):\n    def __eq__(self, other):\n        return True\n\nx = AlwaysEqual(1)"
    )
    verdict = notebook.run("assert x == 2")
    assert not verdict.passed and "`x` is a `AlwaysEqual`, which the grader cannot check" in verdict.message


def test_modules_are_the_examiners_own_and_builtins_never_the_students():
    notebook = Notebook(
        "import types\nnp = types.ModuleType('numpy')\nnp.allclose = lambda *a, **k: True\nlen = lambda x: 99"
    )
    assert notebook.run("assert not np.allclose([1], [2])\nassert len([1]) == 1").passed


def test_the_examiner_never_asks_for_ipython_history_or_machinery():
    notebook = Notebook("In = ['the answers']")
    verdict = notebook.run("In")
    assert not verdict.passed and verdict.error_name == "NameError"
    assert notebook.requests == []


def test_a_test_can_pass_importable_functions_but_not_its_own():
    notebook = Notebook("def apply(f, x):\n    return f(x)")
    assert notebook.run("import math\nassert apply(math.sqrt, 9.0) == 3.0").passed
    verdict = notebook.run("assert apply(lambda x: x, 1) == 1")
    assert not verdict.passed and "cannot travel as data" in verdict.message


def test_partial_credit_is_the_value_of_the_last_expression():
    assert Notebook("score = 2").run("score * 0.75").score == 1.5
    assert Notebook().run("True").score is None


def test_objects_that_describe_themselves_arrive_as_their_state():
    notebook = Notebook(
        "class Run:\n"
        "    def __init__(self):\n        self.rate = 0.03\n"
        "    def accuracy(self, split):\n        return {'train': 0.9, 'test': 0.8}[split]\n"
        "    def __grader_state__(self):\n        return {'rate': self.rate, 'accuracy': self.accuracy}\n"
        "run = Run()"
    )
    assert notebook.run("assert run.rate == 0.03 and run.accuracy('test') == 0.8").passed


def test_student_objects_can_be_handed_back_but_not_inspected():
    notebook = Notebook("class Box:\n    pass\nbox = Box()\ndef same(a, b):\n    return a is b")
    assert notebook.run("assert same(box, box)").passed
    with pytest.raises(CannotCheck):
        _ = StudentNamespace(KernelLink(notebook.ask))["box"].contents


def test_a_model_arrives_as_a_safe_copy_and_goes_back_as_the_students_original():
    notebook = Notebook(
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name='out')])\n"
        "def is_mine(m):\n    return m is model"
    )
    source = (
        "import keras\n"
        "assert isinstance(model, keras.Model) and model.get_layer('out').units == 2\n"
        "assert is_mine(model)"
    )
    assert notebook.run(source).passed


def test_a_model_is_copied_once_per_name_until_student_code_runs_again():
    notebook = Notebook(
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name='out')])\n"
        "def grow():\n    model.add(keras.layers.Dense(1, name='more'))"
    )
    source = (
        "assert model.get_layer('out').units == 2 and len(model.layers) == 1\n"
        "assert model.count_params() == 8\n"
        "grow()\n"
        "assert len(model.layers) == 2, 'after a call, the model is read again'"
    )
    assert notebook.run(source).passed
    reads = [request for request in notebook.requests if json.loads(request) == {"op": "get", "name": "model"}]
    assert len(reads) == 2


def test_a_history_a_test_builds_reaches_the_notebook_as_a_keras_history():
    notebook = Notebook(
        "import keras\n"
        "def last_loss(h):\n    assert type(h) is keras.callbacks.History\n    return h.history['loss'][-1]"
    )
    source = (
        "import keras\n"
        "fake = keras.callbacks.History()\nfake.history = {'loss': [0.7, 0.3]}\n"
        "assert last_loss(fake) == 0.3"
    )
    assert notebook.run(source).passed


def test_a_course_helper_runs_next_to_a_student_object():
    notebook = Notebook(
        "import keras\n"
        "class StopAt(keras.callbacks.Callback):\n"
        "    def __init__(self, threshold):\n        super().__init__()\n        self.threshold = threshold\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        self.model.stop_training = logs['accuracy'] > self.threshold"
    )
    source = (
        "from dlcourse.checks import stop_decisions\nassert stop_decisions(StopAt(0.6), [0.5, 0.7]) == [False, True]"
    )
    assert notebook.run(source).passed
