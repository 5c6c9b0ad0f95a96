"""Start the scoring worker without network: ``python sandbox.py worker.py JOB.json``.

On Linux, where unprivileged user namespaces are allowed (most distributions; Debian since 11,
Ubuntu unless AppArmor restricts them), the process enters a new user namespace and a new
network namespace before any of the model's code runs: it then sees only a loopback interface
that is down, so a model cannot reach the registry, the cloud or the internet, and it holds no
privilege outside its own namespace. Elsewhere, or where the namespaces are refused, the worker
runs with the network of its parent, and the reason is passed on.

This file imports the standard library only and runs before numpy: a user namespace can only be
entered by a process with a single thread, and numerical libraries start threads when imported.
What applied is put in the environment variable ``CHAMPION_SANDBOX`` for the worker to report.
"""

from __future__ import annotations

import ctypes
import errno
import os
import runpy
import sys

SANDBOX_ENV = "CHAMPION_SANDBOX"
NO_NETWORK = "no network"
_CLONE_NEWUSER = 0x10000000  # linux/sched.h
_CLONE_NEWNET = 0x40000000


def leave_network() -> str:
    """Enter new user and network namespaces; "no network" when done, else why not."""
    if not sys.platform.startswith("linux"):
        return f"network open: no network namespaces on {sys.platform}"
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        return f"network open: user namespaces refused ({errno.errorcode.get(code, code)})"
    # Keep the same user and group ids inside, so files show their owners and tools that look
    # the user up still find it; without the maps the worker is isolated all the same.
    for name, text in (
        ("setgroups", "deny"),
        ("gid_map", f"{gid} {gid} 1"),
        ("uid_map", f"{uid} {uid} 1"),
    ):
        try:
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
        except OSError:
            break
    return NO_NETWORK


def main() -> None:
    """Leave the network, then run ``argv[1]`` as __main__ with the rest of argv."""
    os.environ[SANDBOX_ENV] = leave_network()
    sys.argv[:] = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
