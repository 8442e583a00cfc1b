"""The grading engine: what runs a submission, one job per module.

The commands beside this package (``grader.autograde`` and the others) drive it::

    jobs       GradingJob in, SubmissionResult out: the plain files between grader and workers
    settings   the grader's traitlets Configurables (c.GraderLimits, c.GraderSandbox)
    pool       where jobs run: long-lived worker processes on this machine
    worker     grades one job: sanitize with nbgrader, execute, write the result
    sandbox    bubblewrap and limits; the kernel provisioner that launches kernels inside them
    session    a student's kernel and the examiner that runs its notebook's tests
    cells      runs a notebook: student cells in the kernel, test cells in the examiner
    examiner/  the trusted process that runs the tests and sees the kernel only as plain data
    recorder   the single gradebook writer (nbgrader's own autograde, fed the executed notebooks)

Nothing in this package runs student code in the grader's own process.
"""
