"""What the grader runs inside the student's kernel: the answering end of the examiner's channel.

The grader never imports this module itself: it sends its source, with the source of
``grader.engine.examiner.wire``, to a fresh kernel before the first student cell. Nothing here is
trusted. A submission may replace or rewrite it; all it can gain is to answer with other
plain data, which the examiner checks as strictly as any answer. No test code and no
expected value ever reaches this side: only the names a test reads, deletes or binds and
the arguments a test passes to the student's functions.

Each request is a JSON object; each answer a JSON object with one of the keys ``value``
(an encoded value), ``raised`` (the type name and message of what a student call raised)
or ``unconvertible`` (why a value cannot be sent as data).
"""

import json
import os
import shutil
import sys
import tempfile
import types
import warnings


def _channel_ends(wire, objects):
    """This side's encoder and decoder: it keeps non-data objects in ``objects`` and sends their numbers."""

    class KernelEncoder(wire.Encoder):
        def remember(self, value):
            return ["callable" if callable(value) else "opaque", self.keep(value), wire.describe(value)]

        def keep(self, value):
            number = len(objects) + 1
            objects[number] = value
            return number

        def model_bytes(self, model):
            folder = tempfile.mkdtemp(prefix="grader-model-")
            try:
                path = os.path.join(folder, "model.keras")
                with warnings.catch_warnings():  # Keras's own NumPy 2 notice while it writes the weights
                    warnings.simplefilter("ignore", DeprecationWarning)
                    model.save(path)
                with open(path, "rb") as stream:
                    return stream.read()
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    class KernelDecoder(wire.Decoder):
        def make_handle(self, tag, number, description):
            if tag != "handle" or number not in objects:
                raise wire.WireError(f"no object {number} here")
            return objects[number]

        def make_tensor(self, array):
            import tensorflow

            return tensorflow.constant(array)

        def make_history(self, history, params, epoch):
            import keras

            recorded = keras.callbacks.History()
            recorded.history, recorded.params, recorded.epoch = history, params, epoch
            return recorded

        def make_import(self, module, name):
            return wire.resolve_import(module, name)

        def make_module(self, name):
            return __import__("importlib").import_module(name)

    return KernelEncoder(), KernelDecoder()


class StudentSide:
    """Answers the examiner's requests against the notebook's namespace ``user_ns``."""

    def __init__(self, wire, user_ns):
        self.wire = wire
        self.user_ns = user_ns
        self.objects = {}
        self.encoder, self.decoder = _channel_ends(wire, self.objects)

    def answer(self, request_text):
        """The JSON answer to one JSON request."""
        try:
            answer = self._serve(json.loads(request_text))
        except Exception as error:  # noqa: BLE001 - every failure becomes an answer
            answer = {"unconvertible": f"{type(error).__name__}: {str(error)[:500]}"}
        return self.wire.dumps(answer)

    def _encoded(self, value):
        try:
            return {"value": self.encoder.encode(value)}
        except Exception as error:  # noqa: BLE001 - a model that cannot be saved, a deep structure
            return {"unconvertible": f"{self.wire.describe(value)} ({type(error).__name__}: {str(error)[:300]})"}

    def _serve(self, request):
        operation, name = request["op"], request.get("name")
        if operation == "get":
            if name not in self.user_ns:
                return {"raised": ["NameError", f"name '{name}' is not defined"]}
            return self._encoded(self.user_ns[name])
        if operation == "delete":
            if name not in self.user_ns:
                return {"raised": ["NameError", f"name '{name}' is not defined"]}
            del self.user_ns[name]
            return {"value": ["none"]}
        if operation == "bind":
            self.user_ns[name] = self.decoder.decode(request["value"])
            return {"value": ["none"]}
        if operation == "call":  # a student callable (a handle) or a course helper (an import)
            function = self.decoder.decode(request["function"])
            args = [self.decoder.decode(item) for item in request["args"]]
            kwargs = {key: self.decoder.decode(item) for key, item in request["kwargs"]}
            try:
                result = function(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - SystemExit too: the examiner decides
                return {"raised": [type(error).__name__, str(error)[:2000]]}
            return self._encoded(result)
        raise ValueError(f"unknown request {operation!r}")


def install(module_name, wire_source):
    """Build the answering end and register it as ``sys.modules[module_name]``."""
    wire = types.ModuleType(module_name + "_wire")
    exec(compile(wire_source, "<grader wire>", "exec"), vars(wire))
    module = types.ModuleType(module_name)
    module.answer = StudentSide(wire, get_ipython().user_ns).answer  # noqa: F821 - provided by IPython
    sys.modules[module_name] = module
