"""File output that never loses or half-writes a file.

- **Atomic**: each file is written to a temporary file in its own folder, flushed to disk, then
  renamed over the target: a reader (or a kill) never sees half a file.
- **Both or neither**: :func:`write_files` writes several files as one step. Every target is
  checked first (:func:`check_writable`), all temporary files are written before the first
  rename, and if a later rename fails the earlier ones are put back.
- **The file stays the file it was**: its permission bits are kept (a new file gets the usual
  ``0666 & ~umask``), a symlink is written through (its target is replaced; the link stays),
  and a read-only file is refused, not silently replaced.
- **No litter**: temporary files are named ``.<name>.<pid>.<random>.tmp`` and removed on any
  error; one left by a killed process (whose pid is gone) is removed by the next write into
  that folder (:func:`remove_stale`). ``.gitignore`` ignores the pattern.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TMP_SUFFIX = ".tmp"


class NotWritable(OSError):
    """A target that cannot be replaced: read-only, not a regular file, or in a folder we cannot write."""


def resolve(path) -> Path:
    """The file a write to ``path`` must replace: ``path`` with every symlink followed."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its files alone
    return True


def remove_stale(target) -> list[Path]:
    """Remove ``.<name>.<pid>.*.tmp`` files next to ``target`` left by processes that are gone."""
    target = resolve(target)
    removed = []
    try:
        candidates = list(target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"))
    except OSError:
        return removed
    for tmp in candidates:
        pid = tmp.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def check_writable(path) -> Path:
    """The resolved target of ``path`` if it can be replaced, else :class:`NotWritable` saying why.

    Checked without touching the target: it must be a regular file (or not exist yet) with a
    write permission bit set -- also for root, who could otherwise replace a file its owner made
    read-only -- and its folder must take a new file (probed by creating and removing one).
    """
    shown = str(path)
    target = resolve(path)
    if target.exists():
        st = target.stat()
        if not stat.S_ISREG(st.st_mode):
            raise NotWritable(f"{shown} is not a regular file")
        if not st.st_mode & 0o222:
            raise NotWritable(f"{shown} is read-only (make it writable, e.g. chmod u+w {shown})")
        if not os.access(target, os.W_OK):
            raise NotWritable(f"{shown} is not writable by this user")
    folder = target.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotWritable(f"cannot create {shown}: {existing} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=_prefix(target), suffix=TMP_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise NotWritable(f"cannot write into the folder of {shown}: {err.strerror or err}") from None
    return target


def _write_temporary(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target), suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_files(files: dict) -> list[Path]:
    """Write ``{path: text}`` as one step: every file, or none of them (see the module docstring).

    Returns the paths written (symlinks resolved). Raises :class:`NotWritable` before writing
    anything if a target cannot be replaced.
    """
    targets = [(check_writable(path), text) for path, text in files.items()]
    for target, _ in targets:
        remove_stale(target)
    temporaries, replaced = [], []
    try:
        for target, text in targets:
            temporaries.append((target, _write_temporary(target, text)))
        for target, tmp in temporaries:
            old = target.read_bytes() if len(temporaries) > 1 and target.exists() else None
            os.replace(tmp, target)  # atomic on POSIX and Windows
            replaced.append((target, old))
    except BaseException:
        for _, tmp in temporaries:
            tmp.unlink(missing_ok=True)
        for target, old in reversed(replaced):  # put back what was already replaced
            try:
                if old is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(_write_temporary(target, old.decode("utf-8")), target)
            except OSError:
                pass
        raise
    return [target for target, _ in targets]


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see the module docstring); returns the file written."""
    return write_files({path: text})[0]
