"""The examiner's view of a student's notebook: names resolved through the channel, never objects.

A test cell runs in a :class:`StudentNamespace`. A name the test did not assign itself is
asked of the student's kernel and arrives as plain data (see ``grader.engine.examiner.wire``), as
a :class:`StudentFunction` the test may call, or as a :class:`StudentObject` the test may
only hand back. Modules arrive by name and are the examiner's own imports. Builtins are
always the examiner's. Values a test assigns stay here, so hidden expected values never
travel and no student cell can change them; binding a student object to a name, or deleting
a student name, acts in the kernel (nbgrader's example ``del squares`` test works).

The price of that: where a notebook cell binds again a name an earlier test assigned, the
later tests still read the test's value (stock nbgrader, with one namespace, would read the
notebook's). Tests should give their own values names of their own; the course's tests check
its labs for such reads (``tests/test_exercises.py``).
"""

from __future__ import annotations

import builtins
import importlib
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.engine.examiner import wire

#: Names the examiner never asks the kernel for: IPython's machinery and the notebook's history.
RESERVED_NAMES = frozenset({"get_ipython", "In", "Out", "exit", "quit", "display"})


class CannotCheck(Exception):
    """A test met a student value that is not plain data."""


class StudentError(Exception):
    """A student call raised an exception of a type the examiner does not replay as itself."""


#: ``ask(request)`` sends one request to the kernel and returns its raw answer text.
Ask = Callable[[dict], str]


@dataclass
class RecordedHistory:
    """A Keras ``History`` as data: what ``model.fit`` returned, without the model."""

    __grader_history__ = True  # travels back to the kernel as a History

    history: dict
    params: dict
    epoch: list
    model: None = field(default=None)


class RecordedObject:
    """A course object as its ``__grader_state__()``: its attributes, as data or student functions."""

    def __init__(self, description: str, attributes: dict) -> None:
        self.__dict__.update(attributes)
        self._description = description

    @property
    def __grader_type__(self) -> str:
        """The type of the student's object (``dlcourse.checks.type_name`` reads it)."""
        return self._description

    def __repr__(self) -> str:
        return f"<the student's {self._description}, as data>"


def load_keras_model(raw: bytes):
    """A student's model from its ``.keras`` bytes, without running any code it carries."""
    import keras

    with tempfile.TemporaryDirectory(prefix="examiner-model-") as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as stream:
            stream.write(raw)
        try:
            with warnings.catch_warnings():  # an optimizer saved before its first step: nothing to restore
                warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
                return keras.saving.load_model(path, safe_mode=True, compile=True)
        except Exception as error:  # noqa: BLE001 - custom layers, lambdas, a corrupt file
            first_line = (str(error).splitlines() or [type(error).__name__])[0][:200]
            raise CannotCheck(f"the student's model cannot be loaded safely ({first_line})") from None


class _ExaminerDecoder(wire.Decoder):
    """What the kernel's answers become here: data, the examiner's own modules, student handles."""

    def __init__(self, link: KernelLink) -> None:
        self.link = link

    def make_handle(self, tag, number, description):
        if tag == "callable":
            return StudentFunction(self.link, number, description)
        if tag == "opaque":
            return StudentObject(self.link, number, description, self.link.origin)
        raise wire.WireError(f"unexpected {tag}")

    def make_model(self, raw, number):
        return self.link.copied(load_keras_model(raw), number)

    def make_layer(self, config, weights, number):
        import keras

        try:
            layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
            layer.set_weights(weights)
        except Exception as error:  # noqa: BLE001 - custom layers, lambdas, mismatched weights
            first_line = (str(error).splitlines() or [type(error).__name__])[0][:200]
            raise CannotCheck(f"the student's layer cannot be rebuilt safely ({first_line})") from None
        if hasattr(layer, "finalize_state"):  # preprocessing layers derive their statistics from the weights
            layer.finalize_state()
        return self.link.copied(layer, number)

    def make_tensor(self, array):
        import tensorflow

        return tensorflow.constant(array)

    def make_history(self, history, params, epoch):
        return RecordedHistory(history, params, epoch)

    def make_state(self, description, attributes):
        return RecordedObject(description, attributes)

    def make_module(self, name):
        if not all(part.isidentifier() for part in name.split(".")):
            raise wire.WireError(f"{name!r} is not a module name")
        try:
            return importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module of the student's own, or none at all
            raise CannotCheck(f"the notebook's module `{name}` is not one the grader has") from None


class _ArgumentEncoder(wire.Encoder):
    """Arguments of a student call: plain data, the student's own objects handed back (a copied
    model goes back as the student's original), and functions of importable modules by name
    (``tf.sin``)."""

    def __init__(self, link: KernelLink) -> None:
        self.link = link

    def reference(self, value):
        if isinstance(value, _StandIn):
            return ["handle", value.number]
        copied = self.link.copies.get(id(value))
        if copied is not None and copied[0] is value:
            return ["handle", copied[1]]
        imported = wire.importable_name(value)
        if imported is not None:
            return ["import", *imported]
        return None

    def remember(self, value):
        raise CannotCheck(f"a test passed a {type(value).__name__} to the student's code, which cannot travel as data")


class KernelLink:
    """The examiner's end of the channel: typed requests in, checked values out."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask
        self._decoder = _ExaminerDecoder(self)
        self._encoder = _ArgumentEncoder(self)
        self.origin = ""  # what the answer being decoded is about, for messages
        #: Models and layers that arrived as copies: id -> (copy, the kernel's handle of the original).
        self.copies: dict[int, tuple[object, int]] = {}
        #: Copies read by name since student code last ran (reading one again would save and load it again).
        self._copies_by_name: dict[str, object] = {}

    def student_code_ran(self) -> None:
        """Student code ran in the kernel (the cells before a test, or a call): copies may be out of date."""
        self._copies_by_name.clear()

    def copied(self, value, number: int | None):
        """Remember that ``value`` is a copy of the kernel's object ``number``: it goes back as that object."""
        if number is not None:
            self.copies[id(value)] = (value, number)
        return value

    def _request(self, request: dict, origin: str):
        self.origin = origin
        try:
            answer = wire.loads(self._ask(request))
        except wire.WireError as error:
            raise CannotCheck(f"the kernel's answer about `{origin}` is not data ({error})") from None
        if type(answer) is not dict or len(answer) != 1:
            raise CannotCheck(f"the kernel's answer about `{origin}` is not data")
        ((kind, payload),) = answer.items()
        if kind == "value":
            try:
                return self._decoder.decode(payload)
            except wire.WireError as error:
                raise CannotCheck(f"`{origin}` did not arrive as plain data ({error})") from None
        if kind == "unconvertible" and type(payload) is str:
            raise CannotCheck(f"`{origin}` is a {payload}, which the grader cannot check")
        if kind == "raised" and type(payload) is list and len(payload) == 2 and all(type(p) is str for p in payload):
            raise replayed(*payload)
        raise CannotCheck(f"the kernel's answer about `{origin}` is not data")

    def get(self, name: str):
        if name in self._copies_by_name:
            return self._copies_by_name[name]
        value = self._request({"op": "get", "name": name}, name)
        if self.copies.get(id(value), (None,))[0] is value:
            self._copies_by_name[name] = value
        return value

    def delete(self, name: str) -> None:
        self.student_code_ran()
        self._request({"op": "delete", "name": name}, name)

    def bind(self, name: str, value: StudentFunction | StudentObject) -> None:
        self.student_code_ran()
        self._request({"op": "bind", "name": name, "value": ["handle", value.number]}, name)

    def call(self, function, args: tuple, kwargs: dict, description: str):
        """Call ``function`` in the kernel: a student callable, or an importable course helper."""
        request = {
            "op": "call",
            "function": self._encoder.encode(function),
            "args": [self._encoder.encode(item) for item in args],
            "kwargs": [[key, self._encoder.encode(item)] for key, item in kwargs.items()],
        }
        self.student_code_ran()
        return self._request(request, f"{description}(...)")


def replayed(type_name: str, message: str) -> BaseException:
    """The examiner's own exception for what a student call raised."""
    if type_name in wire.REPLAYED_EXCEPTIONS:
        return getattr(builtins, type_name)(message)
    return StudentError(f"{type_name}: {message}")


class _StandIn:
    """What the student's function and object stand-ins share: a handle in the kernel, a type name."""

    __slots__ = ("link", "number", "description")

    def __grader_call__(self, helper, *args, **kwargs):
        """Run ``helper(self, *args, **kwargs)`` in the notebook, where the object lives (``dlcourse.checks``)."""
        return self.link.call(helper, (self, *args), kwargs, helper.__qualname__)

    @property
    def __grader_type__(self) -> str:
        """The type of the student's object (``dlcourse.checks.type_name`` reads it)."""
        return self.description


class StudentFunction(_StandIn):
    """A function or class of the student's: calling it runs it in the kernel, on data."""

    __slots__ = ()

    def __init__(self, link: KernelLink, number: int, description: str) -> None:
        self.link, self.number, self.description = link, number, description

    def __call__(self, *args, **kwargs):
        return self.link.call(self, args, kwargs, self.description)

    def __repr__(self) -> str:
        return f"<the student's {self.description}>"


class StudentObject(_StandIn):
    """A student value that is not data: a test may hand it back, or give it to a course helper
    that runs in the notebook (``dlcourse.checks``); nothing more."""

    __slots__ = ("origin",)

    def __init__(self, link: KernelLink, number: int, description: str, origin: str) -> None:
        self.link, self.number, self.description, self.origin = link, number, description, origin

    def _refuse(self, *args, **kwargs):
        raise CannotCheck(f"`{self.origin}` is a `{self.description}`, which the grader cannot check")

    __getattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __call__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __contains__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __float__ = __int__ = __index__ = __array__ = _refuse

    def __repr__(self) -> str:
        return f"<a {self.description} of the student's>"


class StudentNamespace(dict):
    """The globals of a test cell: the test's own names here, the student's through ``link``."""

    def __init__(self, link: KernelLink) -> None:
        super().__init__(__builtins__=builtins, __name__="__main__")
        self.link = link

    def __missing__(self, name: str):
        if name in RESERVED_NAMES or hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        return self.link.get(name)

    def __setitem__(self, name: str, value) -> None:
        if isinstance(value, _StandIn):
            self.link.bind(name, value)
            self.pop(name, None)
        else:
            super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        if name in self:
            super().__delitem__(name)
        else:
            self.link.delete(name)
