"""The grading engine: what runs a submission, one job per module.

The commands beside this package (``grader.autograde`` and the others) drive it::

    jobs       GradingJob in, SubmissionResult out: the plain files between grader and workers
    settings   the grader's traitlets Configurables (c.GraderLimits, c.GraderSandbox)
    pool       where jobs run: long-lived worker processes on this machine
    dask_pool  or on the workers of a Dask cluster (--executor dask)
    bundles    a job, and its result, as self-contained bytes for another machine
    worker     grades one job: sanitize with nbgrader, execute, write the result
    sandbox    bubblewrap and limits; the kernel provisioner that launches kernels inside them
    scratch    an empty folder per notebook, of bounded size where the worker runs as root
    cgroup     a memory cgroup per kernel, where the host allows one
    session    a student's kernel and the examiner that runs its notebook's tests
    cells      runs a notebook: student cells in the kernel, test cells in the examiner
    examiner/  the trusted process that runs the tests and sees the kernel only as plain data
    recorder   the single gradebook writer (nbgrader's own autograde, fed the executed notebooks)

Nothing in this package runs student code in the grader's own process.
"""

from pathlib import Path

#: The folder that holds the ``grader`` package: the import path of the processes the grader starts,
#: wherever the instructor runs it from (another course's folder, say).
GRADER_HOME = str(Path(__file__).resolve().parents[2])
