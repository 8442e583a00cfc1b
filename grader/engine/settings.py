"""The grader's settings, declared as traitlets ``Configurable``s as nbgrader declares its own.

A course sets them in its ``nbgrader_config.py`` (``c.GraderLimits.cell_seconds = 120``);
``python -m grader --help-all`` lists every one with its help and default.
"""

from __future__ import annotations

from traitlets import Enum, Int, List, Unicode, default
from traitlets.config import Configurable

#: Sandbox modes of ``--sandbox`` and ``c.GraderSandbox.mode``.
SANDBOX_MODES = ("auto", "bwrap", "none")


class GraderLimits(Configurable):
    """Resource limits of each student kernel (the examiner beside it gets the same)."""

    memory_bytes = Int(
        6 * 1024**3, min=64 * 1024**2, help="Address space of a kernel, in bytes. TensorFlow alone reserves about 2 GB."
    ).tag(config=True)
    processes = Int(
        256, min=16, help="Processes and threads a kernel may run (TensorFlow starts dozens of threads)."
    ).tag(config=True)
    cpu_seconds = Int(1800, min=1, help="CPU time of a kernel, in seconds.").tag(config=True)
    file_bytes = Int(256 * 1024**2, min=1024, help="Largest file a notebook may write, in bytes.").tag(config=True)
    tmp_bytes = Int(
        512 * 1024**2,
        min=1024**2,
        help="Size of each of the sandbox's private /tmp and /dev/shm, in bytes (memory-backed, so outside the "
        "address-space limit).",
    ).tag(config=True)
    output_bytes = Int(
        2 * 1024**2, min=1024, help="Output the grader keeps per cell, in bytes; the rest is discarded with a note."
    ).tag(config=True)
    notebook_seconds = Int(600, min=1, help="Wall time of a whole notebook, in seconds (also --timeout).").tag(
        config=True
    )
    cell_seconds = Int(
        300,
        min=1,
        help="Wall time of one cell, in seconds. Default: the course's c.Execute.timeout (nbgrader's), else 300.",
    ).tag(config=True)
    threads = Int(
        0,
        min=0,
        help="Math-library threads per kernel (TensorFlow, OpenMP, BLAS). 0: the cores divided by the parallel jobs.",
    ).tag(config=True)

    @default("cell_seconds")
    def _courses_execute_timeout(self) -> int:
        for section in ("Execute", "ExecutePreprocessor"):  # nbgrader's Execute is an ExecutePreprocessor
            timeout = self.config.get(section, {}).get("timeout")
            if isinstance(timeout, (int, float)) and timeout >= 1:
                return int(timeout)
        return 300

    def as_dict(self) -> dict[str, int]:
        """The limits as plain data (what a grading job carries to its worker)."""
        return {name: getattr(self, name) for name in sorted(self.class_trait_names(config=True))}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GraderLimits) and self.as_dict() == other.as_dict()

    __hash__ = None  # mutable, compared by value


class GraderSandbox(Configurable):
    """Where student kernels run."""

    mode = Enum(
        SANDBOX_MODES,
        "auto",
        help="bwrap: a bubblewrap sandbox (no network, read-only system, a private copy of the submission); "
        "none: no sandbox; auto: bwrap if it works here, else none with a warning. --sandbox overrides it.",
    ).tag(config=True)
    readonly_paths = List(
        Unicode(),
        help="Folders, relative to the course root, that sandboxed kernels may read besides the system and "
        "their Python: the course's helper package and datasets, for example.",
    ).tag(config=True)


#: Every configurable of the grader, in the order ``--help-all`` lists them.
CONFIGURABLES = (GraderSandbox, GraderLimits)
