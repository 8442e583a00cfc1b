"""The examiner process: ``python -m grader.engine.examiner``, started by a grading worker.

It reads JSON lines on stdin and writes JSON lines on a private copy of stdout (test code
that prints goes to stderr, the worker's log):

- ``{"op": "preload", "modules": [...]}`` imports the modules the tests will use, before the
  notebook arrives, and answers ``{"op": "preloaded"}``;
- ``{"op": "test", "source": ..., "label": ...}`` runs one test cell and ends with
  ``{"op": "verdict", ...}``; while it runs, every name or call the test needs is a
  ``{"op": "ask", "request": ...}`` that the worker answers with ``{"op": "answer", "text": ...}``,
  the student kernel's raw reply.

One process serves the test cells of one notebook: names a test assigns are seen by the
later tests of the same notebook, as in the student's own kernel.
"""

from __future__ import annotations

import json
import os
import sys

from grader.engine.examiner.namespace import KernelLink, StudentNamespace
from grader.engine.examiner.verdict import run_test_cell
from grader.engine.forkserver import import_modules
from grader.hidden import take_reported


class Channel:
    """Line-delimited JSON on two file objects."""

    def __init__(self, incoming, outgoing) -> None:
        self.incoming, self.outgoing = incoming, outgoing

    def send(self, message: dict) -> None:
        self.outgoing.write(json.dumps(message) + "\n")
        self.outgoing.flush()

    def receive(self) -> dict | None:
        line = self.incoming.readline()
        return json.loads(line) if line else None

    def ask(self, request: dict) -> str:
        self.send({"op": "ask", "request": request})
        message = self.receive()
        if message is None or message.get("op") != "answer":
            raise SystemExit("the worker went away")
        return message["text"]


def serve(channel: Channel) -> None:
    namespace = StudentNamespace(KernelLink(channel.ask))
    while (message := channel.receive()) is not None:
        if message["op"] == "preload":
            import_modules(message["modules"])
            channel.send({"op": "preloaded"})
        elif message["op"] == "test":
            namespace.link.student_code_ran()  # the notebook's cells before this test
            verdict = run_test_cell(message["source"], message["label"], namespace)
            verdict.reported = take_reported()
            channel.send({"op": "verdict", **verdict.to_json()})


def main() -> int:
    outgoing = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # a test that prints must not garble the channel
    serve(Channel(sys.stdin, outgoing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
