"""Processes: whether the writer of a temporary file or folder (its pid in its name) still runs."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (0 and negative ids: never)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
