"""The plain-data format that crosses between a student's kernel and the examiner.

A value becomes a JSON-able tree of tagged lists, ``[tag, payload...]``. Only exact builtin
types, NumPy arrays and scalars (no object dtype, no subclasses), tensors (as arrays),
pandas objects (as their data), Keras models (as a ``.keras`` file), Keras histories (as
their ``history``/``params``/``epoch``), modules (by name) and objects that describe
themselves with ``__grader_state__()`` (a dict of their attributes, for course types like the
Playground widget) are data. A student's callables become a *callable handle*: a number the
kernel maps to the object, so a test can call it (the arguments travel as data too). Anything
else is an *opaque* handle: the examiner can pass it back (``orig = f; ...; f = orig``) but
not look inside.

Each side subclasses :class:`Encoder` and :class:`Decoder` to say what it accepts. The kernel
sends models, states and handles; the examiner sends data, the handles it was given and, as
arguments, functions of importable modules by module and name (``tf.sin``). A function never
travels from the kernel to the examiner except as a handle: the examiner never runs a
function the student chose.

This module is sent as source to the student's kernel, so it imports nothing from the
grader and only the standard library at import time. On the examiner's side ``decode`` is
strict: a tree that does not have exactly this shape raises :class:`WireError`.
"""

import base64
import json
import sys

#: Deepest nesting of containers the format accepts.
MAX_DEPTH = 60
#: Builtin exception types an examiner re-raises as themselves when a student call raises one.
REPLAYED_EXCEPTIONS = (
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "FileNotFoundError",
    "ImportError",
    "IndexError",
    "KeyError",
    "LookupError",
    "ModuleNotFoundError",
    "NameError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "RecursionError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "UnboundLocalError",
    "ValueError",
    "ZeroDivisionError",
)


class WireError(Exception):
    """A value that is not plain data in this format."""


def _b64(raw):
    return base64.b64encode(raw).decode("ascii")


def _unb64(text):
    if type(text) is not str:
        raise WireError("bytes must be base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:  # binascii.Error is a ValueError
        raise WireError(f"bytes are not base64: {error}") from None


class Encoder:
    """Turns values into the format. Subclasses say what a non-data value becomes."""

    def remember(self, value):
        """The tree for a value that is not data (a handle), or raise WireError."""
        raise WireError(f"a {type(value).__name__} cannot travel as data")

    def reference(self, value):
        """A tree for values this side sends by reference before any other rule, or None."""
        return None

    def model_bytes(self, model):
        """The ``.keras`` file of a Keras model, or raise WireError."""
        raise WireError("a model cannot travel this way")

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        reference = self.reference(value)
        if reference is not None:
            return reference
        kind = type(value)
        if value is None:
            return ["none"]
        if kind is bool:
            return ["bool", value]
        if kind is int:
            return ["int", str(value)]
        if kind is float:
            return ["float", repr(value)]
        if kind is complex:
            return ["complex", repr(value.real), repr(value.imag)]
        if kind is str:
            return ["str", value]
        if kind is bytes:
            return ["bytes", _b64(value)]
        if kind in (list, tuple, set, frozenset):
            return [kind.__name__, [self.encode(item, depth + 1) for item in value]]
        if kind is dict:
            return ["dict", [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]]
        converted = self._library_value(value, depth)
        if converted is not None:
            return converted
        if kind is type(sys):
            return ["module", value.__name__]
        pathlib = sys.modules.get("pathlib")
        if pathlib is not None and kind in (pathlib.Path, pathlib.PosixPath, pathlib.PurePath, pathlib.PurePosixPath):
            return ["path", str(value)]
        state = getattr(kind, "__grader_state__", None)
        if callable(state):
            attributes = state(value)
            if type(attributes) is not dict:
                raise WireError("__grader_state__ must return a dict")
            return ["state", describe(value), self.encode(attributes, depth + 1)]
        return self.remember(value)

    def _library_value(self, value, depth):
        """NumPy, pandas, TensorFlow and Keras values, or None when ``value`` is none of those."""
        numpy = sys.modules.get("numpy")
        kind = type(value)
        if numpy is not None:
            if kind is numpy.ndarray:
                return self._array(value, depth)
            if isinstance(value, numpy.generic) and kind in set(numpy.sctypeDict.values()):
                return ["npscalar", value.dtype.str, _b64(value.tobytes())]
        pandas = sys.modules.get("pandas")
        if pandas is not None:
            if kind is pandas.Series:
                name = self.encode(value.name, depth + 1)
                return ["series", name, self._column(value.index, depth), self._column(value, depth)]
            if kind is pandas.DataFrame:
                columns = [self.encode(name, depth + 1) for name in value.columns.tolist()]
                data = [self._column(value.iloc[:, position], depth) for position in range(value.shape[1])]
                return ["dataframe", columns, self._column(value.index, depth), data]
        if getattr(kind, "__grader_history__", False):  # the examiner's record of a History
            return self._history(value)
        keras = sys.modules.get("keras")
        if keras is not None:
            if isinstance(value, keras.Model):
                return ["keras_model", _b64(self.model_bytes(value)), self.keep(value)]
            if isinstance(value, keras.layers.Layer):
                config = json.dumps(keras.saving.serialize_keras_object(value))
                weights = [self._array(numpy.asarray(w), depth) for w in value.get_weights()]
                return ["keras_layer", config, weights, self.keep(value)]
            if kind is keras.callbacks.History:
                return self._history(value)
            if isinstance(value, keras.callbacks.Callback) and kind.__module__.startswith("keras."):
                return ["state", describe(value), self._callback_settings(value)]
            if isinstance(value, keras.Variable):
                return ["tensor", self._array(numpy.asarray(keras.ops.convert_to_numpy(value)), depth)]
        tensorflow = sys.modules.get("tensorflow")
        if tensorflow is not None and (tensorflow.is_tensor(value) or isinstance(value, tensorflow.Variable)):
            return ["tensor", self._array(numpy.asarray(value.numpy()), depth)]
        return None

    def _history(self, value):
        history = {str(k): [float(x) for x in v] for k, v in value.history.items()}
        params = dict(getattr(value, "params", None) or {})  # set only once training begins
        epoch = list(getattr(value, "epoch", []))
        return ["history", self.encode(history), self.encode(params), self.encode(epoch)]

    def keep(self, value):
        """A handle number under which this side keeps ``value`` (a model sent as a copy), or None."""
        return None

    @staticmethod
    def _callback_settings(callback):
        """A Keras callback's public attributes that are data (its settings and counters), as a dict tree."""
        pairs = []
        for name, attribute in vars(callback).items():
            if name.startswith("_") or name == "model":
                continue
            try:
                pairs.append([["str", name], _PlainOnly().encode(attribute)])
            except Exception:  # noqa: BLE001 - functions, models: not settings
                continue
        return ["dict", pairs]

    def _array(self, array, depth):
        if array.dtype.hasobject:  # strings, mixed columns: each item must be data itself
            return ["objarray", list(array.shape), [self.encode(item, depth + 1) for item in array.ravel().tolist()]]
        contiguous = array if array.flags.c_contiguous else array.copy(order="C")
        return ["ndarray", array.dtype.str, list(array.shape), _b64(contiguous.tobytes())]

    def _column(self, column, depth):
        """A pandas index or column: an array, or a list of plain values for object columns."""
        return self._array(column.to_numpy(), depth)


class _PlainOnly(Encoder):
    """Only data: no handles."""


def describe(value):
    """The qualified name of ``value``'s type, as a test's failure message shows it."""
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module in ("builtins", "__main__", "") else f"{module}.{name}"


def importable_name(value):
    """(module, qualified name) of a function or class found again by importing, else None."""
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if type(module) is not str or type(name) is not str or module == "__main__" or "<" in name:
        return None
    if not callable(value) or type(value) is type(sys):
        return None
    try:
        return (module, name) if resolve_import(module, name) is value else None
    except Exception:  # noqa: BLE001 - not importable: not a reference
        return None


def resolve_import(module, name):
    """The object ``name`` (dotted) of ``module``, imported."""
    found = __import__("importlib").import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def dumps(tree):
    return json.dumps(tree, separators=(",", ":"), allow_nan=False)


def loads(text):
    if type(text) is not str:
        raise WireError("the answer is not text")
    try:
        return json.loads(text)
    except ValueError as error:
        raise WireError(f"the answer is not JSON: {error}") from None


class Decoder:
    """Turns the format back into values. Subclasses say what handles, models, tensors,
    histories, states and imports become on their side; the base refuses them."""

    def make_handle(self, tag, number, description):
        raise WireError(f"a {tag} cannot travel this way")

    def make_model(self, raw, number):
        raise WireError("a model cannot travel this way")

    def make_tensor(self, array):
        raise WireError("a tensor cannot travel this way")

    def make_history(self, history, params, epoch):
        raise WireError("a history cannot travel this way")

    def make_state(self, description, attributes):
        raise WireError("an object's state cannot travel this way")

    def make_import(self, module, name):
        raise WireError("a reference cannot travel this way")

    def make_module(self, name):
        raise WireError("a module cannot travel this way")

    def make_layer(self, config, weights, number):
        raise WireError("a layer cannot travel this way")

    def make_path(self, text):
        import pathlib

        return pathlib.Path(text)

    def decode(self, tree, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        if type(tree) is not list or not tree or type(tree[0]) is not str:
            raise WireError("not a tagged value")
        tag, args = tree[0], tree[1:]
        method = getattr(self, f"_decode_{tag}", None)
        if method is None:
            raise WireError(f"unknown tag {tag!r}")
        try:
            return method(depth, *args)
        except TypeError as error:
            raise WireError(f"malformed {tag}: {error}") from None

    def _items(self, items, depth):
        if type(items) is not list:
            raise WireError("a container's items must be a list")
        return [self.decode(item, depth + 1) for item in items]

    @staticmethod
    def _text(value, what, longest=None):
        if type(value) is not str or (longest is not None and len(value) > longest):
            raise WireError(f"malformed {what}")
        return value

    def _decode_none(self, depth):
        return None

    def _decode_bool(self, depth, value):
        if type(value) is not bool:
            raise WireError("malformed bool")
        return value

    def _decode_int(self, depth, text):
        return int(self._text(text, "int", 5000))

    def _decode_float(self, depth, text):
        return float(self._text(text, "float", 40))

    def _decode_complex(self, depth, real, imag):
        return complex(self._decode_float(depth, real), self._decode_float(depth, imag))

    def _decode_str(self, depth, text):
        return self._text(text, "str")

    def _decode_bytes(self, depth, text):
        return _unb64(text)

    def _decode_list(self, depth, items):
        return self._items(items, depth)

    def _decode_tuple(self, depth, items):
        return tuple(self._items(items, depth))

    def _decode_set(self, depth, items):
        return set(self._items(items, depth))

    def _decode_frozenset(self, depth, items):
        return frozenset(self._items(items, depth))

    def _decode_dict(self, depth, pairs):
        if type(pairs) is not list or any(type(pair) is not list or len(pair) != 2 for pair in pairs):
            raise WireError("malformed dict")
        return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in pairs}

    def _decode_ndarray(self, depth, dtype, shape, data):
        import numpy

        dtype = numpy.dtype(self._text(dtype, "dtype", 40))
        if dtype.hasobject or type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
            raise WireError("malformed ndarray")
        try:
            return numpy.frombuffer(_unb64(data), dtype=dtype).reshape(shape).copy()
        except ValueError as error:
            raise WireError(f"malformed ndarray: {error}") from None

    def _decode_objarray(self, depth, shape, items):
        import numpy

        if type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
            raise WireError("malformed objarray")
        values = self._items(items, depth)
        array = numpy.empty(len(values), dtype=object)
        array[:] = values
        try:
            return array.reshape(shape)
        except ValueError as error:
            raise WireError(f"malformed objarray: {error}") from None

    def _decode_npscalar(self, depth, dtype, data):
        array = self._decode_ndarray(depth, dtype, [1], data)
        return array[0]

    def _decode_series(self, depth, name, index, values):
        import pandas

        return pandas.Series(
            self.decode(values, depth + 1), index=self.decode(index, depth + 1), name=self.decode(name, depth + 1)
        )

    def _decode_dataframe(self, depth, columns, index, data):
        import pandas

        names = self._items(columns, depth)
        columns_data = self._items(data, depth)
        if len(names) != len(columns_data):
            raise WireError("malformed dataframe")
        frame = pandas.DataFrame(dict(enumerate(columns_data)), index=self.decode(index, depth + 1))
        frame.columns = names
        return frame

    def _decode_tensor(self, depth, array):
        return self.make_tensor(self.decode(array, depth + 1))

    def _decode_keras_model(self, depth, data, number=None):
        if number is not None and type(number) is not int:
            raise WireError("malformed keras_model")
        return self.make_model(_unb64(data), number)

    def _decode_keras_layer(self, depth, config, weights, number=None):
        if number is not None and type(number) is not int:
            raise WireError("malformed keras_layer")
        try:
            config = json.loads(self._text(config, "keras_layer"))
        except ValueError:
            raise WireError("malformed keras_layer") from None
        return self.make_layer(config, self._items(weights, depth), number)

    def _decode_path(self, depth, text):
        return self.make_path(self._text(text, "path", 4096))

    def _decode_history(self, depth, history, params, epoch):
        history, params, epoch = (self.decode(part, depth + 1) for part in (history, params, epoch))
        if type(history) is not dict or type(params) is not dict or type(epoch) is not list:
            raise WireError("malformed history")
        return self.make_history(history, params, epoch)

    def _decode_state(self, depth, description, attributes):
        attributes = self.decode(attributes, depth + 1)
        names_ok = all(type(k) is str and k.isidentifier() and not k.startswith("__") for k in attributes)
        if type(attributes) is not dict or not names_ok:
            raise WireError("malformed state")
        return self.make_state(self._text(description, "state", 300), attributes)

    def _decode_module(self, depth, name):
        return self.make_module(self._text(name, "module", 300))

    def _decode_import(self, depth, module, name):
        return self.make_import(self._text(module, "import", 300), self._text(name, "import", 300))

    def _decode_handle(self, depth, number):
        if type(number) is not int:
            raise WireError("malformed handle")
        return self.make_handle("handle", number, "")

    def _decode_callable(self, depth, number, description):
        if type(number) is not int:
            raise WireError("malformed callable")
        return self.make_handle("callable", number, self._text(description, "callable", 300))

    def _decode_opaque(self, depth, number, description):
        if type(number) is not int:
            raise WireError("malformed opaque")
        return self.make_handle("opaque", number, self._text(description, "opaque", 300))
