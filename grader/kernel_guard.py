"""Code the grader runs *inside* the student's kernel to run the instructor's tests there.

Only ``autograde --tests-in-kernel`` uses it; by default tests run in the trusted examiner
(``grader.examiner``). In the kernel, student code shares the process with the test and can
reach what the guard relies on (its frames, the token, the modules it imports), so this guard
raises the bar against the common tricks; it is not a defence against a determined student.

The grader never imports this module itself: it sends the module's source to a fresh
kernel before the first student cell (see ``grader.execute``). There it takes a snapshot
of everything a submission could tamper with to fake a passing test: builtins, the
exit functions, the assertion helpers of NumPy and unittest, IPython's error reporting
and execution hooks. Before every instructor test cell the snapshot is put back, and
names in the notebook that shadow a builtin the test uses are hidden while it runs.

A test cell passes only when its code ran to the end: the guard then publishes a
one-time token (a fresh secret per test cell and run, chosen by the grader) as display
data. Swallowing the exception, disabling tracebacks or exiting never publishes the
token, so the grader records the cell as failed whatever the outputs look like.
"""

import builtins
import linecache
import sys

#: Modules whose attributes a submission might replace to make assertions pass.
PROTECTED_MODULES = (
    "builtins",
    "sys",
    "os",
    "math",
    "operator",
    "numpy",
    "numpy.testing",
    "numpy.testing._private.utils",
    "unittest",
    "unittest.case",
)
#: Classes whose methods a submission might replace (assert helpers, error display).
PROTECTED_CLASS_PATHS = (
    ("unittest.case", "TestCase"),
    ("IPython.core.interactiveshell", "InteractiveShell"),
    ("ipykernel.zmqshell", "ZMQInteractiveShell"),
    ("ipykernel.ipkernel", "IPythonKernel"),
    ("ipykernel.kernelbase", "Kernel"),
    ("IPython.core.displayhook", "DisplayHook"),
    ("IPython.core.displaypub", "DisplayPublisher"),
)
#: The display-data MIME type that carries a passed test's token to the grader.
VERDICT_MIME = "application/x-grader-verdict"


class _Guard:
    """Snapshot of the pristine kernel, and the runner of instructor test cells."""

    def __init__(self):
        import importlib

        self._import = importlib.import_module
        self.modules = {}
        for name in PROTECTED_MODULES:
            try:
                module = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a course without NumPy simply has less to protect
                continue
            self.modules[name] = (module, dict(vars(module)))
        self.classes = []
        for module_name, class_name in PROTECTED_CLASS_PATHS:
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
            except Exception:  # noqa: BLE001
                continue
            self.classes.append((cls, dict(vars(cls))))
        self.sys_hooks = {
            name: getattr(sys, name) for name in ("excepthook", "displayhook", "stdout", "stderr", "stdin", "exit")
        }
        shell = get_ipython()  # noqa: F821 - provided by IPython
        self.shell = shell
        self.shell_attributes = dict(vars(shell))
        self.kernel = getattr(shell, "kernel", None)
        self.kernel_attributes = dict(vars(self.kernel)) if self.kernel is not None else {}
        self.events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}
        self.input_transformers = (
            list(shell.input_transformers_cleanup),
            list(shell.input_transformers_post),
            list(shell.ast_transformers),
        )
        self.transformer_manager = shell.input_transformer_manager
        self.display = self._import("IPython.display")
        # A submission cannot add audit hooks of its own: they could watch the tests run.
        sys.addaudithook(_refuse_new_audit_hooks)

    def restore(self):
        """Put back everything the snapshot holds; return what had been changed."""
        changed = []
        for name, (module, snapshot) in self.modules.items():
            current = vars(module)
            for key, value in snapshot.items():
                if current.get(key, _MISSING) is not value:
                    setattr(module, key, value)
                    changed.append(f"{name}.{key}")
            sys.modules.setdefault(name, module)
            if sys.modules[name] is not module:
                sys.modules[name] = module
                changed.append(f"sys.modules[{name!r}]")
        for cls, snapshot in self.classes:
            for key, value in snapshot.items():
                if vars(cls).get(key, _MISSING) is not value:
                    setattr(cls, key, value)
                    changed.append(f"{cls.__name__}.{key}")
        for obj, snapshot in ((self.shell, self.shell_attributes), (self.kernel, self.kernel_attributes)):
            if obj is None:
                continue
            shadowing = [key for key in vars(obj) if key not in snapshot and hasattr(type(obj), key)]
            for key in shadowing:
                delattr(obj, key)
                changed.append(f"{type(obj).__name__}().{key}")
            for key, value in snapshot.items():
                if callable(value) and vars(obj).get(key, _MISSING) is not value:
                    setattr(obj, key, value)
                    changed.append(f"{type(obj).__name__}().{key}")
        for name, value in self.sys_hooks.items():
            if getattr(sys, name) is not value:
                setattr(sys, name, value)
                changed.append(f"sys.{name}")
        for name, callbacks in self.shell.events.callbacks.items():
            foreign = [
                callback
                for callback in callbacks
                if callback not in self.events.get(name, []) and not _from_jupyter(callback)
            ]
            for callback in foreign:
                callbacks.remove(callback)
                changed.append(f"events[{name!r}]")
        cleanup, post, ast_transformers = self.input_transformers
        self.shell.input_transformers_cleanup[:] = cleanup
        self.shell.input_transformers_post[:] = post
        self.shell.ast_transformers[:] = ast_transformers
        self.shell.input_transformer_manager = self.transformer_manager
        if sys.gettrace() is not None or sys.getprofile() is not None:
            changed.append("sys.settrace/setprofile")
        sys.settrace(None)
        sys.setprofile(None)
        return changed

    def run_test(self, source, label, token):
        """Run one instructor test cell; publish ``token`` only if it completes.

        Returns the value of the cell's last expression, as IPython would display it,
        so that nbgrader's partial credit (a test cell evaluating to a number) still works.
        """
        import ast

        self.restore()
        source = self.transformer_manager.transform_cell(source)
        tree = ast.parse(source, filename=label)
        last_expression = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last_expression = ast.Expression(tree.body.pop().value)
        linecache.cache[label] = (len(source), None, source.splitlines(True), label)
        namespace = self.shell.user_ns
        hidden = self._hide_shadowed_builtins(tree, last_expression, namespace)
        try:
            exec(compile(tree, label, "exec"), namespace)
            value = None
            if last_expression is not None:
                value = eval(compile(last_expression, label, "eval"), namespace)
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - SystemExit from student code fails the test too
            etype, evalue, tb = sys.exc_info()
            self.restore()
            self.shell.showtraceback((etype, evalue, tb.tb_next), tb_offset=0)
            return None
        finally:
            namespace.update(hidden)
        self.restore()
        self.display.publish_display_data({VERDICT_MIME: token})
        return value

    @staticmethod
    def _hide_shadowed_builtins(tree, last_expression, namespace):
        """Remove notebook names that shadow a builtin the test code uses; return them."""
        import ast

        used = {
            node.id
            for part in (tree, last_expression)
            if part is not None
            for node in ast.walk(part)
            if isinstance(node, ast.Name)
        }
        hidden = {}
        for name in used:
            if hasattr(builtins, name) and name in namespace and namespace[name] is not getattr(builtins, name):
                hidden[name] = namespace.pop(name)
        return hidden


_MISSING = object()


def _from_jupyter(callback):
    """Event callbacks Jupyter's own packages register (e.g. inline plots) stay."""
    module = getattr(callback, "__module__", "") or ""
    return module.split(".")[0] in ("IPython", "ipykernel", "matplotlib_inline", "matplotlib", "ipywidgets")


def _refuse_new_audit_hooks(event, args):
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are disabled while grading")


def install(module_name):
    """Create the guard and register it under ``module_name`` (a fresh name per run)."""
    import types

    module = types.ModuleType(module_name)
    module.guard = _Guard()
    module.run_test = module.guard.run_test
    sys.modules[module_name] = module
