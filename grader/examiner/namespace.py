"""The examiner's view of a student's notebook: names resolved through the channel, never objects.

A test cell runs in a :class:`StudentNamespace`. A name the test did not assign itself is
asked of the student's kernel and arrives as plain data (see ``grader.examiner.wire``), as
a :class:`StudentFunction` the test may call, or as a :class:`StudentObject` the test may
only hand back. Modules arrive by name and are the examiner's own imports. Builtins are
always the examiner's. Values a test assigns stay here, so hidden expected values never
travel; binding a student object to a name, or deleting a student name, acts in the
kernel (nbgrader's example ``del squares`` test works).
"""

from __future__ import annotations

import builtins
import importlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.examiner import wire

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

    history: dict
    params: dict
    epoch: list
    model: None = field(default=None)


def load_keras_model(raw: bytes):
    """A student's model from its ``.keras`` bytes, without running any code it carries."""
    import keras

    folder = tempfile.mkdtemp(prefix="examiner-model-")
    path = os.path.join(folder, "model.keras")
    with open(path, "wb") as stream:
        stream.write(raw)
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=True)
    except Exception as error:  # noqa: BLE001 - custom layers, lambdas, a corrupt file
        raise CannotCheck(f"the student's model cannot be loaded safely ({str(error).splitlines()[0][:200]})") from None
    finally:
        os.remove(path)
        os.rmdir(folder)


class KernelLink:
    """The examiner's end of the channel: typed requests in, checked values out."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask
        self._decoder = wire.Decoder(self._handle, load_model=load_keras_model, make_history=RecordedHistory)
        self._encoder = _ArgumentEncoder()
        self._origin = ""

    def _request(self, request: dict, origin: str):
        self._origin = origin
        try:
            answer = wire.loads(self._ask(request))
        except wire.WireError as error:
            raise CannotCheck(f"the kernel's answer about {origin} is not data ({error})") from None
        if type(answer) is not dict or len(answer) != 1:
            raise CannotCheck(f"the kernel's answer about {origin} is not data")
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
        raise CannotCheck(f"the kernel's answer about {origin} is not data")

    def _handle(self, number: int | None, tag: str, description: str):
        if tag == "module":
            try:
                return importlib.import_module(description)
            except Exception:  # noqa: BLE001 - a module of the student's own, or none at all
                raise CannotCheck(f"the notebook's module `{description}` is not one the grader has") from None
        if tag == "callable":
            return StudentFunction(self, number, description)
        if tag == "opaque":
            return StudentObject(number, description, self._origin)
        raise wire.WireError(f"unexpected {tag}")

    def get(self, name: str):
        return self._request({"op": "get", "name": name}, name)

    def delete(self, name: str) -> None:
        self._request({"op": "delete", "name": name}, name)

    def bind(self, name: str, value: StudentFunction | StudentObject) -> None:
        self._request({"op": "bind", "name": name, "value": ["handle", value.number]}, name)

    def call(self, function: StudentFunction, args: tuple, kwargs: dict):
        request = {
            "op": "call",
            "handle": function.number,
            "args": [self._encoder.encode(item) for item in args],
            "kwargs": [[key, self._encoder.encode(item)] for key, item in kwargs.items()],
        }
        return self._request(request, f"{function.description}(...)")


class _ArgumentEncoder(wire.Encoder):
    """Arguments of a student call: plain data, or the student's own objects handed back."""

    def __init__(self) -> None:
        super().__init__(self._refuse)

    def encode(self, value, depth=0):
        if type(value) in (StudentFunction, StudentObject):
            return ["handle", value.number]
        return super().encode(value, depth)

    @staticmethod
    def _refuse(value):
        raise CannotCheck(f"a test passed a {type(value).__name__} to the student's code, which cannot travel as data")


def replayed(type_name: str, message: str) -> BaseException:
    """The examiner's own exception for what a student call raised."""
    if type_name in wire.REPLAYED_EXCEPTIONS:
        return getattr(builtins, type_name)(message)
    return StudentError(f"{type_name}: {message}")


class StudentFunction:
    """A function or class of the student's: calling it runs it in the kernel, on data."""

    __slots__ = ("link", "number", "description")

    def __init__(self, link: KernelLink, number: int, description: str) -> None:
        self.link, self.number, self.description = link, number, description

    def __call__(self, *args, **kwargs):
        return self.link.call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<the student's {self.description}>"


class StudentObject:
    """A student value that is not data: a test may hand it back, nothing more."""

    __slots__ = ("number", "description", "origin")

    def __init__(self, number: int, description: str, origin: str) -> None:
        self.number, self.description, self.origin = number, description, origin

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
        if type(value) in (StudentFunction, StudentObject):
            self.link.bind(name, value)
            self.pop(name, None)
        else:
            super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        if name in self:
            super().__delitem__(name)
        else:
            self.link.delete(name)
