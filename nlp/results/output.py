"""Where the files we read come from and where the files we write go: one rule for every command.

Inputs must be regular files (a link to one is fine) no larger than `MAX_INPUT_BYTES`: a FIFO would block
the read forever and a link to /dev/zero would fill the memory. Outputs never replace what they must not:
a new path or a regular file is written atomically (a temporary file beside it, then renamed over it), a
character device (/dev/null, /dev/stdout, a terminal) or a FIFO is written directly, and a symbolic link
is followed — the file it points to is replaced, the link stays. A dangling link, a block device, a
socket or a folder is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nlp.errors import KfdError

MAX_INPUT_BYTES = 200 * 1024 * 1024  # statement tables, results files, backups
STDOUT = "-"


class OutputError(KfdError):
    """An output path that must not or cannot be written."""


class InputFileError(KfdError):
    """An input path that is not a regular file of a readable size."""


def check_input_file(
    path: Path, error: type[KfdError] = InputFileError, max_bytes: int = MAX_INPUT_BYTES
) -> os.stat_result:
    """The stat of an input that may be read: a regular file (or a link to one) of at most `max_bytes`;
    otherwise `error` saying why, before anything is read."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{path}: no such file") from None
    except OSError as e:
        raise error(f"{path}: cannot be read ({e.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file ({_kind(info.st_mode)}); give a file on disk")
    if info.st_size > max_bytes:
        limit = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} bytes"
        raise error(f"{path}: larger than {limit} ({info.st_size} bytes)")
    return info


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def is_stdout(path: Path | str | None) -> bool:
    return path is None or str(path) == STDOUT


def output_target(path: Path) -> tuple[Path, bool]:
    """(the path to write, whether to write it atomically) for an output path; OutputError when it must not
    be written. A symbolic link is followed: its final target is what is replaced."""
    try:
        linked = os.lstat(path)
    except FileNotFoundError:
        linked = None
    except OSError as e:
        raise OutputError(f"{path}: cannot be written ({e.strerror})") from None
    if linked is None:
        if not path.parent.is_dir():
            raise OutputError(f"{path}: the folder {path.parent} does not exist")
        return path, True
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise OutputError(f"{path}: a symbolic link to a missing file; give the real path") from None
    except OSError as e:
        raise OutputError(f"{path}: cannot be written ({e.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path}: is a folder, not a file")
    if stat.S_ISREG(info.st_mode):
        return (Path(os.path.realpath(path)) if stat.S_ISLNK(linked.st_mode) else path), True
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return path, False
    raise OutputError(f"{path}: {_kind(info.st_mode)}; refusing to write there")


@contextlib.contextmanager
def open_output(path: Path | str | None, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A file object to write an output to, following the rule of this module; None or "-": standard
    output. Text is opened with `newline=""` (the csv module writes its own line ends). The atomic file
    appears only when the block ends without an error."""
    if is_stdout(path):
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout
            sys.stdout.flush()
        return
    assert path is not None
    target, atomic = output_target(Path(path))
    mode = "wb" if binary else "w"
    kwargs: dict[str, Any] = {} if binary else {"encoding": encoding, "newline": ""}
    if not atomic:
        with open(target, mode, **kwargs) as f:
            yield f
        return
    tmp = _temporary(target)
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))  # a replaced file keeps its permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temporary(target: Path) -> Path:
    """A new, empty file beside `target` (same folder, so the rename is atomic), made with the umask."""
    for n in range(100):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{n}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as e:
            raise OutputError(f"{target}: cannot be written ({e.strerror})") from None
        return tmp
    raise OutputError(f"{target}: cannot create a temporary file beside it")


def write_output(path: Path | str | None, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write a whole text or byte string to an output (see `open_output`)."""
    if isinstance(data, bytes):
        with open_output(path, binary=True) as f:
            f.write(data)
    else:
        with open_output(path, encoding=encoding) as f:
            f.write(data)


def check_output_dir(path: Path) -> None:
    """A folder to write into (e.g. models/): it may be missing (it is created), or a folder or a link to
    one; anything else (a file, a device) is refused."""
    if (os.path.lexists(path) and not path.exists()) or (path.exists() and not path.is_dir()):
        what = "a symbolic link to a missing folder" if not path.exists() else "not a folder"
        raise OutputError(f"{path}: {what}; give a folder to write into")
