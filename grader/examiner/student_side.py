"""What the grader runs inside the student's kernel: the answering end of the examiner's channel.

The grader never imports this module itself: it sends its source, with the source of
``grader.examiner.wire``, to a fresh kernel before the first student cell. Nothing here is
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


def _describe(value):
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module in ("builtins", "__main__", "") else f"{module}.{name}"


class StudentSide:
    """Answers the examiner's requests against the notebook's namespace ``user_ns``."""

    def __init__(self, wire, user_ns):
        self.wire = wire
        self.user_ns = user_ns
        self.objects = {}
        self.encoder = wire.Encoder(self._remember, model_bytes=self._model_bytes)
        self.decoder = wire.Decoder(self._resolve)

    def _remember(self, value):
        number = len(self.objects) + 1
        self.objects[number] = value
        kind = "callable" if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)) else "opaque"
        if kind == "opaque" and isinstance(value, types.MethodType):
            kind = "callable"
        return [kind, number, _describe(value)]

    def _resolve(self, number, tag, description):
        if tag == "handle" and number in self.objects:
            return self.objects[number]
        if tag == "module":
            return __import__("importlib").import_module(description)
        raise self.wire.WireError(f"unknown {tag} {number}")

    @staticmethod
    def _model_bytes(model):
        folder = tempfile.mkdtemp(prefix="grader-model-")
        try:
            path = os.path.join(folder, "model.keras")
            model.save(path)
            with open(path, "rb") as stream:
                return stream.read()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

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
            return {"unconvertible": f"{_describe(value)} ({type(error).__name__}: {str(error)[:300]})"}

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
        if operation == "call":
            function = self.objects[request["handle"]]
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
