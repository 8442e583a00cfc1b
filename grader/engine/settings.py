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
    ram_bytes = Int(
        4 * 1024**3,
        min=64 * 1024**2,
        help="Memory a kernel may fill, counting its files in the memory-backed /tmp, /dev/shm and scratch "
        "folder (a memory cgroup per kernel, where the host lets the grader make one; elsewhere only the "
        "address-space limit and the folders' sizes hold).",
    ).tag(config=True)
    cpu_seconds = Int(1800, min=1, help="CPU time of a kernel, in seconds.").tag(config=True)
    file_bytes = Int(256 * 1024**2, min=1024, help="Largest file a notebook may write, in bytes.").tag(config=True)
    scratch_bytes = Int(
        1024**3,
        min=16 * 1024**2,
        help="Size of a notebook's scratch folder (its working folder, the submission's files, its home), in "
        "bytes: memory-backed where the grader runs as root; elsewhere only file_bytes bounds each file.",
    ).tag(config=True)
    tmp_bytes = Int(
        512 * 1024**2,
        min=1024**2,
        help="Size of each of the sandbox's private /tmp and /dev/shm, in bytes (memory-backed, so outside the "
        "address-space limit).",
    ).tag(config=True)
    output_bytes = Int(
        2 * 1024**2,
        min=1024,
        help="Output the grader keeps per cell, in bytes, counting display updates and widget messages; the "
        "rest is discarded with a note.",
    ).tag(config=True)
    notebook_output_bytes = Int(
        20 * 1024**2,
        min=1024,
        help="Output the grader keeps per notebook, in bytes, counting widget messages; the rest is discarded "
        "with a note.",
    ).tag(config=True)
    notebook_seconds = Int(600, min=1, help="Wall time of a whole notebook, in seconds (also --timeout).").tag(
        config=True
    )
    cell_seconds = Int(
        300,
        min=1,
        help="Wall time of one cell, in seconds. Default: the course's c.Execute.timeout (nbgrader's), else 300.",
    ).tag(config=True)
    interrupt_seconds = Int(
        10,
        min=1,
        help="A cell past its time limit is interrupted, and the notebook goes on; if the cell has not stopped "
        "this many seconds later, the notebook is stopped.",
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


class GraderKernels(Configurable):
    """How kernels are prepared before a notebook arrives."""

    preload = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        help="Modules a kernel imports while it waits for its notebook (TensorFlow takes seconds to import). "
        "Default: every module the assignment's source notebooks import; [] for none.",
    ).tag(config=True)


#: Executors of ``--executor`` and ``c.GraderExecutor.kind``.
EXECUTORS = ("local", "dask")


class GraderExecutor(Configurable):
    """Where the grading jobs run."""

    kind = Enum(
        EXECUTORS,
        "local",
        help="local: worker processes on this machine; dask: the workers of a Dask cluster (each with the "
        "course environment installed). --executor overrides it.",
    ).tag(config=True)
    scheduler = Unicode(
        "",
        help="The Dask scheduler's address, e.g. tcp://10.0.0.5:8786. Empty: a Dask cluster of --jobs local "
        "worker processes, started for the run. --scheduler overrides it.",
    ).tag(config=True)


#: Every configurable of the grader, in the order ``--help-all`` lists them.
CONFIGURABLES = (GraderExecutor, GraderSandbox, GraderLimits, GraderKernels)
