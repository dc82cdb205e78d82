"""One command → its wall time, CPU time and peak memory, counting every process it starts.

CPU time is user + sys from wait4's rusage: the child and every descendant it waited for, and,
because this process makes itself the subreaper of its descendants, also those left running
when their parent ended (a pool's workers never joined), which it waits for here. Peak
memory is the largest sum of resident sets over the whole process tree, walked in /proc
every 50 ms, because a build that forks workers holds all of them at once while ru_maxrss
names only the largest single process; the peak is never below that ru_maxrss, which also
catches a spike between two samples. Pages that forked workers share count once per process
in that sum, so a forking build is charged more than it uses, never less; the peak of the
summed proportional set sizes (PSS, /proc/PID/smaps_rollup: a page shared by n processes
counts 1/n in each) is what the tree really held. The CPU time everything
else on the host used meanwhile (from /proc/stat, hypervisor steal included) tells a busy
host from a slow build.

The sampler shares the two cores with what it measures, so it keeps to a small budget: the
tree is found from each process's children files, not by reading every process in /proc,
and PSS, which costs the kernel a walk of every page table (15 ms for a 250 MiB process), is
read only as often as keeps it under SAMPLER_SHARE of one core. Sampling every 50 ms with a
walk of /proc took a fifth of a core, which a build that uses both cores lost.
Linux only: it reads /proc, and children files (CONFIG_PROC_CHILDREN, on in Debian's kernels).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05
SAMPLER_SHARE = 0.02  # of one core: the most the PSS readings may cost
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds
    cpu: float  # seconds of user + sys, the whole process tree
    peak_rss: int  # bytes, all processes of the tree together
    elsewhere: float  # cores busy outside the tree, on average over the run (steal included)
    exit_code: int
    timed_out: bool = False  # stopped at the time limit: wall is the limit, not the tool's time
    peak_pss: int = 0  # bytes, all processes of the tree together, shared pages split between them

    @property
    def speedup(self) -> float:
        """The parallelism the run actually got: 2.0 is both cores of this machine, all along."""
        return self.cpu / self.wall


def measure(command: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float) -> Measurement:
    """Run command to the end, or stop it and all it started after timeout seconds; its output
    goes into log. A peer whose time grows with the square of the pages can take hours."""
    if not Path(f"/proc/self/task/{threading.get_native_id()}/children").exists():
        raise SystemExit("the bench needs /proc/PID/task/TID/children (a kernel with CONFIG_PROC_CHILDREN)")
    become_subreaper()
    with log.open("wb") as output:
        busy_before = host_busy_seconds()
        started = time.perf_counter()
        # Its own process group, so that the time limit stops the whole tree at once.
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        limit = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
        limit.start()
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        limit.cancel()
        usages = [usage, *reap_orphans()]
        window = time.perf_counter() - started  # longer than wall when orphans ran on
        busy = host_busy_seconds() - busy_before
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait
    cpu = sum(each.ru_utime + each.ru_stime for each in usages)
    return Measurement(
        wall=wall,
        cpu=cpu,
        peak_rss=max(sampler.peak, *(each.ru_maxrss * 1024 for each in usages)),
        peak_pss=sampler.peak_pss,
        elsewhere=max(0.0, (busy - cpu) / window),
        exit_code=process.returncode,
        timed_out=process.returncode == -signal.SIGKILL and wall >= timeout,
    )


def become_subreaper() -> None:
    """Have descendants whose parent ends before them handed to this process, not to init."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def reap_orphans() -> list:
    """Wait for the descendants the measured command left behind; their rusage, one each."""
    usages = []
    while True:
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:  # no child left
            return usages
        usages.append(usage)


class TreeMemorySampler(threading.Thread):
    """Keeps the largest total resident set, and proportional set, seen over a process and all
    its descendants."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.peak = self.peak_pss = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        next_pss = 0.0
        while not self._stopped.is_set():
            tree = process_tree(self.root)
            self.peak = max(self.peak, sum(resident_bytes(pid) for pid in tree))
            if time.monotonic() >= next_pss:
                started = time.thread_time()  # user + sys of this thread: the kernel's walk counts
                self.peak_pss = max(self.peak_pss, sum(proportional_bytes(pid) for pid in tree))
                next_pss = time.monotonic() + (time.thread_time() - started) / SAMPLER_SHARE
            self._stopped.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def process_tree(root: int) -> list[int]:
    """root and its descendants now alive, from the children file of each of their threads."""
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:  # ended since its parent listed it
            continue
        for thread in threads:
            try:
                pending.extend(map(int, Path(f"/proc/{pid}/task/{thread}/children").read_bytes().split()))
            except OSError:
                continue
    return tree


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def proportional_bytes(pid: int) -> int:
    """The process's PSS: its private pages, plus each shared page divided by its sharers."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def host_busy_seconds() -> float:
    """CPU seconds the whole host has spent not idle since boot (all cores, steal included)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
