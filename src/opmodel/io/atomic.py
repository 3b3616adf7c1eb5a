"""Safe writes of model folders and output folders — the home every writer imports from.

The implementation lives in :mod:`opmodel.atomic` (outside ``io/`` so that ``report/``,
which may not import ``io/``, writes its output folder the same way); this module is its
public face for the writers of ``io/``, ``cli/`` and ``cycle`` commands. See
:mod:`opmodel.atomic` for the lock, the changed-since-read check, one-step file and folder
replacement, the cleanup of leftovers and the test hook, and docs/reliability.md.
"""

from __future__ import annotations

from ..atomic import (
    HASH_LIMIT,
    LOCK_TIMEOUT,
    Fingerprint,
    FolderChangedError,
    FolderLock,
    FolderLockedError,
    changed_files,
    check_result_folder,
    check_unchanged,
    check_writable,
    fingerprint,
    folder_lock,
    link_target,
    lock_path,
    pause,
    real_folder,
    recover,
    replace_folder,
    write_file,
)

__all__ = ["HASH_LIMIT", "LOCK_TIMEOUT", "Fingerprint", "FolderChangedError", "FolderLock",
           "FolderLockedError", "changed_files", "check_result_folder", "check_unchanged",
           "check_writable", "fingerprint", "folder_lock", "link_target", "lock_path", "pause",
           "real_folder", "recover", "replace_folder", "write_file"]
