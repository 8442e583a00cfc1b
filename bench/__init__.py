"""Benchmarks of the course: how long the solutions take (``make bench``) and how fast the
grader grades compared with stock nbgrader (``make bench-grade``). They print figures;
``make test`` checks correctness only."""
