"""The course's one address: every released lab's Colab badge and Setup cell are written from it.

An nbgrader preprocessor of ``generate_assignment`` (registered in ``nbgrader_config.py``), so
``make release``, ``python -m grader release`` and nbgrader's own command all write the same
labs. A course that forks this repository sets ``c.CourseAddress.repository`` to its own
GitHub address and runs ``make release``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import TraitError, Unicode, validate

#: A Colab badge's target: colab.research.google.com/github/<owner>/<name>/blob/<branch>/<path>.ipynb
BADGE_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+?\.ipynb")
#: The default of the Setup cell's clone address.
SETUP_REPOSITORY = re.compile(r'(os\.environ\.get\("DLCOURSE_REPO", ")[^"]*(")')


class CourseAddress(NbGraderPreprocessor):
    """Point each lab's Colab badge and Setup cell at the course's repository."""

    repository = Unicode(
        "https://github.com/dl-course/deep-learning-tf-keras",
        help="The course's GitHub repository, https://github.com/<owner>/<name>: Colab badges "
        "open the labs from it and the labs' Setup cell clones it in Colab.",
    ).tag(config=True)
    branch = Unicode("main", help="The branch Colab badges open the labs from.").tag(config=True)
    release_folder = Unicode("labs", help="The repository folder that holds the released labs.").tag(config=True)

    @validate("repository")
    def _github_address(self, proposal: Any) -> str:
        address = proposal["value"].rstrip("/").removesuffix(".git")
        if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", address):
            raise TraitError(
                f"CourseAddress.repository must look like https://github.com/<owner>/<name>, not {proposal['value']!r}"
            )
        return address

    def badge_link(self, assignment: str, notebook: str) -> str:
        owner_and_name = self.repository.removeprefix("https://github.com/")
        return (
            f"https://colab.research.google.com/github/{owner_and_name}/blob/{self.branch}/"
            f"{self.release_folder}/{assignment}/{notebook}.ipynb"
        )

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        assignment = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        link = self.badge_link(assignment, Path(notebook).stem)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = BADGE_LINK.sub(link, cell.source)
            elif "setup" in cell.metadata.get("tags", []):
                cell.source = SETUP_REPOSITORY.sub(rf"\g<1>{self.repository}\g<2>", cell.source)
        return nb, resources
