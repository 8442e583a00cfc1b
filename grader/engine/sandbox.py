"""Launch a student's kernel in a sandbox: bubblewrap, resource limits, IPC transport.

With ``bwrap`` the kernel sees a read-only system (``/usr``, ``/etc``, the kernel's Python
and the course's helper paths), a private writable copy of the submission's folder, a fresh
home folder beside it and nothing else: no network (``--unshare-net``), no course solutions,
gradebook, other submissions or the instructor's home, its own PID namespace (so a fork bomb
dies with it). When the grader runs as root the kernel also runs under its own unprivileged
user id, so the process limit counts only that kernel's processes.

In both modes the kernel gets a scrubbed environment, ``prlimit`` limits (address space,
processes, CPU time, file size), a memory cgroup where the host allows one (see
:mod:`grader.engine.cgroup`) and talks to the grader over Unix sockets (jupyter's
``ipc`` transport) whose files live in its home folder, so it needs no network. Python kernels
start with ``-P``: nothing in the working folder runs before the kernel is up.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

from grader.engine.cgroup import KernelCgroup
from grader.engine.settings import SANDBOX_MODES, GraderLimits
from grader.errors import GraderError
from grader.hidden import INSTRUCTOR_FILES_ENV

if TYPE_CHECKING:
    from grader.engine.templates import Template

#: The kernel provisioner's name, as ``pyproject.toml`` registers it.
PROVISIONER = "grader-sandbox"
#: System folders every kernel may read.
SYSTEM_PATHS = ("/usr", "/etc", "/opt")
#: Top-level names that are symlinks into /usr on merged-/usr systems (Debian, Ubuntu, Fedora).
USR_MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class SandboxUnavailable(GraderError):
    """``--sandbox bwrap`` was requested but bubblewrap cannot run here."""


class SandboxExposure(GraderError):
    """A folder the sandbox would mount shows student kernels what only the instructor may see."""


@dataclass
class SandboxSettings:
    """How to launch kernels: ``mode`` is ``bwrap`` or ``none`` (after resolving ``auto``).

    ``instructor_files`` is the assignment's folder of the instructor's own files: tests may
    import modules from it, as they can in the kernel under stock nbgrader, so the examiner reads
    it (never the kernel, which gets copies of the files)."""

    mode: str = "none"
    readonly_paths: list[str] = field(default_factory=list)
    limits: GraderLimits = field(default_factory=GraderLimits)
    instructor_files: str | None = None


def bwrap_problem() -> str | None:
    """Why bubblewrap cannot sandbox here, or None when it works."""
    executable = shutil.which("bwrap")
    if executable is None:
        return "bubblewrap is not installed (Debian/Ubuntu: `apt-get install -y bubblewrap`)"
    try:
        probe = subprocess.run(
            [
                executable,
                "--ro-bind",
                "/",
                "/",
                "--unshare-net",
                "--unshare-pid",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap failed to start: {error}"
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here: {probe.stderr.strip() or probe.returncode}"
    return None


def resolve_mode(requested: str) -> tuple[str, str | None]:
    """Turn ``auto``/``bwrap``/``none`` into the mode to use, plus a warning if it fell back."""
    if requested not in SANDBOX_MODES:
        raise GraderError(f"unknown sandbox mode {requested!r}; choose one of {SANDBOX_MODES}")
    if requested == "none":
        return "none", None
    problem = bwrap_problem()
    if problem is None:
        return "bwrap", None
    if requested == "bwrap":
        raise SandboxUnavailable(problem)
    return "none", (
        f"WARNING: {problem}. Student code will run WITHOUT a sandbox: it can read the "
        "solutions, the gradebook and other submissions and reach the network. "
        "Install bubblewrap or pass --sandbox none to silence this warning."
    )


@functools.lru_cache(maxsize=8)
def kernel_python_paths(python: str) -> list[str]:
    """Folders the kernel's Python needs: its prefixes and every existing sys.path entry.

    The probe runs as the kernel will: without the instructor's ``PYTHON*`` variables
    (``PYTHONPATH=.`` would otherwise open the course folder to every kernel) and outside
    any course folder.
    """
    probe = subprocess.run(
        [python, "-E", "-c", "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path]))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd="/",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
    )
    paths = {os.path.realpath(p) for p in json.loads(probe.stdout) if p and os.path.isdir(p)}
    paths |= {os.path.dirname(os.path.dirname(os.path.realpath(python)))}
    return sorted(paths)


#: Variables that size the thread pools of TensorFlow, OpenMP and the BLAS libraries.
THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def thread_budget(jobs: int, cores: int | None = None) -> int:
    """Threads each of ``jobs`` parallel kernels may use so that together they fit the cores.

    Each library sizes its pools to every core of the machine; with several kernels at
    once they would oversubscribe the CPU and slow each other down (joblib caps its
    workers' threads the same way).
    """
    return max(1, (cores or os.cpu_count() or 1) // max(1, jobs))


def minimal_environment(home: Path, threads: int = 0) -> dict[str, str]:
    """The kernel's environment: nothing from the instructor's shell (tokens, paths, proxies)."""
    return {
        **{name: str(threads) for name in THREAD_VARIABLES if threads},
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "NBGRADER_EXECUTION": "autograde",  # as stock nbgrader sets it: courses use it to skip slow cells
    }


#: ``prlimit``'s option for each of the limits every kernel gets (a forked kernel sets the same ones itself).
PRLIMIT_OPTIONS = {"memory_bytes": "--as", "cpu_seconds": "--cpu", "file_bytes": "--fsize"}


def prlimits(limits: GraderLimits) -> dict[str, int]:
    """The limits ``prlimit`` sets on every kernel (see :func:`_limit_command`), by name."""
    return {name: getattr(limits, name) for name in PRLIMIT_OPTIONS}


def _limit_command(limits: GraderLimits, count_processes: bool) -> list[str]:
    command = ["prlimit", *(f"{PRLIMIT_OPTIONS[name]}={value}" for name, value in prlimits(limits).items()), "--core=0"]
    if count_processes:
        command.append(f"--nproc={limits.processes}")
    return command + ["--"]


def _bwrap_command(
    writable: list[Path], readonly: list[str], uid: int | None, limits: GraderLimits, chdir: Path
) -> list[str]:
    """bubblewrap arguments exposing the system read-only and only the ``writable`` folders
    writable (plus a private ``/tmp`` and ``/dev/shm`` of ``limits.tmp_bytes`` each); the process
    starts in ``chdir``."""
    command = [
        "bwrap",
        "--die-with-parent",
        "--new-session",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "grader",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/dev/shm",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
    ]
    for name in USR_MERGED:
        target = Path("/") / name
        if target.is_symlink():
            command += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            command += ["--ro-bind", str(target), str(target)]
    created: set[str] = {"/", "/tmp", "/dev", "/proc"}
    writable_paths = [str(path) for path in writable]
    for path in [*SYSTEM_PATHS, *readonly, *writable_paths]:
        if not os.path.exists(path) or path in created:
            continue
        for parent in reversed(Path(path).parents):
            if str(parent) not in created and str(parent) != "/":
                command += ["--perms", "0755", "--dir", str(parent)]
                created.add(str(parent))
        flag = "--bind" if path in writable_paths else "--ro-bind"
        command += [flag, path, path]
        created.add(path)
    command += ["--chdir", str(chdir)]
    if uid is not None:
        # bwrap itself runs as root (it must read the root-only folders it binds); the kernel
        # drops to an unprivileged user of its own so that --nproc counts only its processes.
        command += [
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--",
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
    else:
        command += ["--"]
    return command


def kernel_home(workdir: Path) -> Path:
    """The kernel's home folder: beside its working folder, never inside it, so that no file of the
    submission lands where IPython and Python look for start-up code (``~/.ipython``, ``~/.local``)."""
    return workdir.parent / "home"


def safe_path_python(command: list[str]) -> list[str]:
    """A Python kernel's command with ``-P``: the working folder is not put on ``sys.path`` before
    the kernel starts, so an ``ipykernel_launcher.py`` planted there cannot replace the kernel.
    (The grader puts the folder back where IPython puts it once the kernel is up.)"""
    if command and os.path.basename(command[0]).startswith("python") and "-P" not in command[1:2]:
        return [command[0], "-P", *command[1:]]
    return command


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel inside the sandbox.

    Its kernel manager (:class:`SandboxedKernelManager`) says where: the working folder and
    the sandbox settings. Registered as the ``grader-sandbox`` kernel provisioner
    (``pyproject.toml``); the manager's kernel specs name it.
    """

    cgroup: KernelCgroup | None = None
    fork_command: list[str] | None = None  # set when a template of the manager's becomes the kernel

    async def pre_launch(self, **kwargs) -> dict:
        kwargs = await super().pre_launch(**kwargs)
        manager: SandboxedKernelManager = self.parent
        workdir, sandbox = manager.workdir, manager.sandbox
        home = kernel_home(workdir)
        kwargs["env"] = minimal_environment(home, sandbox.limits.threads)
        kwargs["cwd"] = str(workdir)
        # The kernel's own stdout and stderr would land in the worker's log, whose last lines
        # explain a failed job: student code must not write them. Cell output travels over IOPub.
        kwargs["stdout"] = kwargs["stderr"] = subprocess.DEVNULL
        command = safe_path_python(kwargs["cmd"])
        limits = _limit_command(sandbox.limits, count_processes=manager.kernel_uid is not None)
        if sandbox.mode == "bwrap":
            if manager.kernel_uid is not None:
                give_to(workdir, manager.kernel_uid)
                give_to(home, manager.kernel_uid)
            wrapper = _bwrap_command(
                [workdir, home], sandbox.readonly_paths, manager.kernel_uid, sandbox.limits, chdir=workdir
            )
            if any("ipykernel" in part for part in command):
                # Inside the PID namespace the grader's PID means nothing: ipykernel would think
                # its parent exited. --die-with-parent stops the kernel with the grader instead.
                command = [*command, "--IPKernelApp.parent_handle=0"]
            kwargs["cmd"] = wrapper + limits + command
        else:
            kwargs["cmd"] = ["setpriv", "--pdeathsig", "KILL", *limits, *command]
            if manager.template is not None and manager.template.kind.can_run(command):
                self.fork_command = command
        self.cgroup = KernelCgroup.create(sandbox.limits.ram_bytes)
        if self.cgroup is not None:
            kwargs["cmd"] = self.cgroup.join_command() + kwargs["cmd"]
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
        """Start the kernel's process, or have the manager's template fork it (unsandboxed runs:
        see :mod:`grader.engine.forkserver`)."""
        if self.fork_command is None:
            return await super().launch_kernel(cmd, **kwargs)
        manager: SandboxedKernelManager = self.parent
        self.process = await manager.template.fork(
            self.fork_command,
            kwargs["env"],
            Path(kwargs["cwd"]),
            prlimits(manager.sandbox.limits),
            str(self.cgroup.path / "cgroup.procs") if self.cgroup is not None else None,
        )
        self.pid = self.pgid = self.process.pid
        self.cwd = kwargs["cwd"]
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        cgroup, self.cgroup = self.cgroup, None
        if cgroup is not None:
            await cgroup.remove()


class SandboxedKernelSpecManager(KernelSpecManager):
    """The installed kernel specs, each launched through the ``grader-sandbox`` provisioner and
    interrupted by message (a signal to bwrap would not reach the kernel in its PID namespace)."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {}}}
        spec.interrupt_mode = "message"
        return spec


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside the grader's sandbox.

    Call :meth:`prepare` (the working folder and the sandbox settings) before starting the kernel.
    """

    workdir: Path
    sandbox: SandboxSettings
    kernel_uid: int | None = None
    template: Template | None = None  # forks the kernel instead of a command starting it (no sandbox)

    @default("kernel_spec_manager")
    def _sandboxed_specs(self) -> KernelSpecManager:
        return SandboxedKernelSpecManager(parent=self)

    def prepare(self, workdir: Path, sandbox: SandboxSettings, template: Template | None = None) -> None:
        """Make the kernel's home (see :func:`kernel_home`) and place the connection file and IPC
        sockets there; without a sandbox, ``template`` (if it runs the kernel's Python) forks the kernel."""
        self.workdir = workdir
        self.sandbox = sandbox
        self.template = template if sandbox.mode == "none" else None
        home = kernel_home(workdir)
        runtime = home / ".kernel"
        runtime.mkdir(parents=True, exist_ok=True)
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        self.transport = "ipc"
        self.ip = str(runtime / "k")
        self.connection_file = str(runtime / "connection.json")
        if sandbox.mode == "bwrap" and os.geteuid() == 0:
            # a fresh user id per kernel: the process limits of kernels never add up, not
            # even with the leftovers of a fork bomb that are still being reaped
            self.kernel_uid = 200000 + secrets.randbelow(1_000_000)


#: The examiner's command line (the sandbox wraps it).
EXAMINER_PROGRAM = [sys.executable, "-P", "-m", "grader.engine.examiner"]


def examiner_launch(program: list[str], workdir: Path, private: Path, sandbox: SandboxSettings, grader_home: str):
    """(command, environment) that start the examiner ``program`` in ``workdir``.

    With bwrap the examiner gets what a kernel gets — a read-only system, no network, its own
    PID namespace, the same limits — plus the grader package and the instructor's files (both
    on its import path), and reads ``workdir`` (the notebook's folder) read-only; ``private`` is
    its only writable folder. It runs no student code, but it does load the student's files
    (saved models), so it is fenced in the same way.
    """
    import_path = [grader_home, *([sandbox.instructor_files] if sandbox.instructor_files else [])]
    environment = {
        **minimal_environment(private, sandbox.limits.threads),
        "TMPDIR": str(private),
        "PYTHONPATH": os.pathsep.join(import_path),  # the grader first: no course file can shadow it
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    if sandbox.instructor_files:  # where grader.hidden.hidden_file finds the assignment's hidden data
        environment[INSTRUCTOR_FILES_ENV] = sandbox.instructor_files
    (private / ".matplotlib").mkdir(parents=True, exist_ok=True)
    if sandbox.mode != "bwrap":
        return ["setpriv", "--pdeathsig", "KILL", *program], environment
    uid = None
    if os.geteuid() == 0:
        uid = 200000 + secrets.randbelow(1_000_000)
        give_to(private, uid)
    readonly = [
        *sandbox.readonly_paths,
        *kernel_python_paths(sys.executable),
        str(Path(grader_home) / "grader"),
        *import_path[1:],
        str(workdir),
    ]
    wrapper = _bwrap_command([private], readonly, uid, sandbox.limits, chdir=workdir)
    return wrapper + _limit_command(sandbox.limits, count_processes=uid is not None) + program, environment


def give_to(folder: Path, uid: int) -> None:
    """Hand a folder of the kernel to the kernel's user (it must write there, and only there).

    Links are handed over as links, never their targets: an earlier kernel may have left a
    link to any file of the host in the folder.
    """
    for root, dirs, files in os.walk(folder):  # never descends into a linked folder
        os.chown(root, uid, uid, follow_symlinks=False)
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def default_readonly_paths(kernel_python: str, extra: list[str]) -> list[str]:
    """What a sandboxed kernel may read besides the system: its Python and ``extra``."""
    return sorted({*kernel_python_paths(kernel_python), *(os.path.realpath(p) for p in extra if os.path.exists(p))})


def refuse_exposure(readonly: list[str], hidden: dict[str, str], covered: dict[str, str]) -> None:
    """Refuse to grade when a read-only mount would show a kernel an instructor's folder.

    ``hidden`` names folders no mount may contain or lie inside (the solutions, other students'
    submissions, the autograded copies); ``covered`` names paths no mount may contain but mounts
    may lie inside (the course root, which holds the course's helper package, and the gradebook).
    """
    for mount in map(os.path.realpath, readonly):
        for what, path in [*covered.items(), *hidden.items()]:
            path = os.path.realpath(path)
            inside = what in hidden and Path(mount).is_relative_to(path)
            if Path(path).is_relative_to(mount) or inside:
                raise SandboxExposure(
                    f"the sandbox would let student kernels read {what} ({path}) through {mount}: "
                    "take it out of c.GraderSandbox.readonly_paths, or give the kernel a Python installed elsewhere"
                )


def resolve_kernel_name(kernel_name: str) -> str:
    """The kernelspec a notebook's kernel name means, as jupyter_client's KernelManager reads it
    (``python`` is its alias of the native ``python3``)."""
    return NATIVE_KERNEL_NAME if kernel_name == "python" else kernel_name


def python_of_kernel(kernel_name: str) -> str | None:
    """The Python interpreter a kernelspec launches (its argv[0], or this Python); None when no
    such kernel is installed."""
    try:
        argv = KernelSpecManager().get_kernel_spec(resolve_kernel_name(kernel_name)).argv
    except NoSuchKernel:
        return None
    return argv[0] if argv and os.path.isabs(argv[0]) else sys.executable
