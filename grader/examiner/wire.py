"""The plain-data format that crosses between a student's kernel and the examiner.

A value becomes a JSON-able tree of tagged lists, ``[tag, payload...]``. Only exact builtin
types, NumPy arrays and scalars (no object dtype, no subclasses), tensors (as arrays),
pandas objects (as their data), Keras models (as a ``.keras`` file), Keras histories (as
their ``history``/``params``/``epoch``) and modules (by name) are data. Functions and
classes become a *handle*: a number the kernel maps to the object, so a test can call it
(the arguments travel as data too). Anything else is an *opaque* handle: the examiner can
pass it back (``orig = f; ...; f = orig``) but not look inside.

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
    return base64.b64decode(text.encode("ascii"), validate=True)


class Encoder:
    """Turns values into the format; ``remember(obj)`` returns a handle for a non-data object.

    Used in the student's kernel for answers and in the examiner for call arguments (where
    ``remember`` refuses: an examiner object never travels to a kernel).
    """

    def __init__(self, remember, model_bytes=None):
        self.remember = remember
        self.model_bytes = model_bytes  # Keras model -> .keras bytes (kernel side only)

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
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
        return self.remember(value)

    def _library_value(self, value, depth):
        """NumPy, pandas, TensorFlow and Keras values, or None when ``value`` is none of those."""
        numpy = sys.modules.get("numpy")
        kind = type(value)
        if numpy is not None:
            if kind is numpy.ndarray:
                return self._array(value)
            if isinstance(value, numpy.generic) and kind in _scalar_types(numpy):
                return ["npscalar", value.dtype.str, _b64(value.tobytes())]
        pandas = sys.modules.get("pandas")
        if pandas is not None:
            if kind is pandas.Series:
                return ["series", self.encode(value.name, depth + 1), self._column(value.index), self._column(value)]
            if kind is pandas.DataFrame:
                columns = [self.encode(name, depth + 1) for name in value.columns.tolist()]
                data = [self._column(value.iloc[:, position]) for position in range(value.shape[1])]
                return ["dataframe", columns, self._column(value.index), data]
        keras = sys.modules.get("keras")
        if keras is not None:
            if isinstance(value, keras.Model) and self.model_bytes is not None:
                return ["keras_model", _b64(self.model_bytes(value))]
            if kind is keras.callbacks.History:
                history = {str(k): [float(x) for x in v] for k, v in value.history.items()}
                params = dict(value.params or {})
                return ["history", self.encode(history), self.encode(params), self.encode(value.epoch)]
            if isinstance(value, keras.Variable):
                return self._array(numpy.asarray(keras.ops.convert_to_numpy(value)))
        tensorflow = sys.modules.get("tensorflow")
        if tensorflow is not None and (tensorflow.is_tensor(value) or isinstance(value, tensorflow.Variable)):
            return self._array(numpy.asarray(value.numpy()))
        return None

    def _array(self, array):
        if array.dtype.hasobject:
            return ["list", [self.encode(item) for item in array.tolist()]] if array.ndim == 1 else self.remember(array)
        contiguous = array if array.flags.c_contiguous else array.copy(order="C")
        return ["ndarray", array.dtype.str, list(array.shape), _b64(contiguous.tobytes())]

    def _column(self, column):
        """A pandas index or column: an array, or a list of plain values for object columns."""
        values = column.to_numpy()
        if values.dtype.hasobject:
            return ["list", [self.encode(item) for item in values.tolist()]]
        return self._array(values)


def _scalar_types(numpy):
    return set(numpy.sctypeDict.values())


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
    """Turns the format back into values.

    ``handle(number, tag, description)`` builds what a handle stands for on this side;
    ``load_model(raw)`` turns ``.keras`` bytes into a model (examiner side) or refuses.
    """

    def __init__(self, handle, load_model=None, make_history=None):
        self.handle = handle
        self.load_model = load_model
        self.make_history = make_history

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

    def _decode_none(self, depth):
        return None

    def _decode_bool(self, depth, value):
        if type(value) is not bool:
            raise WireError("bool payload")
        return value

    def _decode_int(self, depth, text):
        if type(text) is not str or len(text) > 5000:
            raise WireError("int payload")
        return int(text)

    def _decode_float(self, depth, text):
        if type(text) is not str or len(text) > 40:
            raise WireError("float payload")
        return float(text)

    def _decode_complex(self, depth, real, imag):
        return complex(self._decode_float(depth, real), self._decode_float(depth, imag))

    def _decode_str(self, depth, text):
        if type(text) is not str:
            raise WireError("str payload")
        return text

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
            raise WireError("dict payload")
        return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in pairs}

    def _decode_ndarray(self, depth, dtype, shape, data):
        import numpy

        dtype = numpy.dtype(dtype)
        if dtype.hasobject or type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
            raise WireError("ndarray payload")
        return numpy.frombuffer(_unb64(data), dtype=dtype).reshape(shape).copy()

    def _decode_npscalar(self, depth, dtype, data):
        import numpy

        dtype = numpy.dtype(dtype)
        if dtype.hasobject:
            raise WireError("npscalar payload")
        return numpy.frombuffer(_unb64(data), dtype=dtype)[0]

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
            raise WireError("dataframe payload")
        frame = pandas.DataFrame(dict(enumerate(columns_data)), index=self.decode(index, depth + 1))
        frame.columns = names
        return frame

    def _decode_keras_model(self, depth, data):
        if self.load_model is None:
            raise WireError("a model cannot travel this way")
        return self.load_model(_unb64(data))

    def _decode_history(self, depth, history, params, epoch):
        if self.make_history is None:
            raise WireError("a history cannot travel this way")
        return self.make_history(self.decode(history, 1), self.decode(params, 1), self.decode(epoch, 1))

    def _decode_module(self, depth, name):
        if type(name) is not str:
            raise WireError("module payload")
        return self.handle(None, "module", name)

    def _decode_handle(self, depth, number, description=""):
        if type(number) is not int or type(description) is not str:
            raise WireError("handle payload")
        return self.handle(number, "handle", description)

    def _decode_callable(self, depth, number, description):
        if type(number) is not int or type(description) is not str:
            raise WireError("callable payload")
        return self.handle(number, "callable", description)

    def _decode_opaque(self, depth, number, description):
        if type(number) is not int or type(description) is not str:
            raise WireError("opaque payload")
        return self.handle(number, "opaque", description)
