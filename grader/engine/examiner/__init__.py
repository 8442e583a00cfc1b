"""The trusted examiner: instructor tests run where no student code has run.

A grading worker executes the student's cells in the student's sandboxed kernel and hands
every test cell to a separate examiner process instead. The test reads the notebook's names
through a narrow channel — values as plain data, calls to the student's functions with data
in and data out — so nothing in the kernel can reach the test's code, its expected values
or its verdict. Modules:

- ``wire``: the plain-data format (shipped to the kernel too);
- ``student_side``: the answering end, installed in the kernel;
- ``namespace``: the examiner's view of the notebook (names, calls, student objects);
- ``verdict``: runs one test cell and decides pass or fail;
- ``__main__``: the examiner process;
- ``client``: the worker's handle on an examiner and its relay to the kernel.
"""
