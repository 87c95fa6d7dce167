"""How fast this machine runs Python at the moment of a benchmark.

The same code ran up to three times slower from one session's machine to the next, and
from one hour to the next (a virtual machine that gets a share of its host's cores),
with the load average under 1 each time. So every figure in milliseconds or requests
per second is recorded beside the speed of the machine that gave it: ``loop_seconds``,
the CPU time of a fixed loop of plain Python (3 million additions), the best of three
(a moment when the host takes the core back does not count). The machines of these
benchmarks took from 0.13 s (the fastest) to 0.5 s.
"""

import os
import time

#: ``loop_seconds`` on the fastest machine of these benchmarks (2026-12-07, 07:00 UTC;
#: 0.16 s on 2026-12-06's).
FASTEST_LOOP_S = 0.13

#: The loop, run as a script's top level runs it (names in a dict, as with
#: ``python3 -c``, which gave the figures the earlier sections of the README quote): the
#: same loop inside a function (local names) takes about two fifths less.
_LOOP = compile("total = 0\nfor number in range(additions):\n    total += number\n",
                "<host speed>", "exec")


def loop_seconds(repeat=3, additions=3_000_000):
    """The best CPU time, in seconds, of ``repeat`` loops of ``additions`` additions."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        exec(_LOOP, {"additions": additions})  # noqa: S102 (a fixed text)
        best = min(best, time.process_time() - start)
    return round(best, 3)


def busy_cpu_seconds():
    """CPU seconds every core of the machine has spent busy since it started (user,
    nice, system and interrupts: not idle, waiting for the disk or taken by the host),
    from Linux's /proc/stat; None elsewhere. The difference over a run counts the work
    of every process, a database server's too."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    print(f"a loop of 3 million additions: {loop_seconds()} s of CPU (best of three)")
