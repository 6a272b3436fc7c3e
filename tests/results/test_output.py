"""nlp.results.output: outputs never replace what they must not; inputs are regular files of a sane size."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from nlp.results.output import (
    InputFileError,
    OutputError,
    check_input_file,
    check_output_dir,
    open_output,
    write_output,
)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")


def _null_device(path):
    """A stand-in for /dev/null inside the test folder (same device numbers), so the real one is safe."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def test_open_output_new_file_appears_only_when_complete(tmp_path):
    out = tmp_path / "r.csv"
    with pytest.raises(RuntimeError), open_output(out) as f:
        f.write("halb")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []
    write_output(out, "ganz\n")
    assert out.read_text("utf-8") == "ganz\n" and [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_open_output_replaced_file_keeps_its_permissions(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text("alt\n")
    out.chmod(0o640)
    write_output(out, "neu\n")
    assert out.read_text() == "neu\n" and stat.S_IMODE(out.stat().st_mode) == 0o640


@needs_root
def test_open_output_writes_a_character_device_directly(tmp_path):
    null = _null_device(tmp_path / "null")
    write_output(null, "weg\n")
    assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_open_output_writes_a_fifo_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_output(fifo, b"PK\x03\x04")
    reader.join(10)
    assert received == [b"PK\x03\x04"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_open_output_follows_a_link_to_a_regular_file(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("alt\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_output(link, "neu\n")
    assert link.is_symlink() and target.read_text() == "neu\n"


@pytest.mark.parametrize("kind", ["dangling link", "folder", "missing folder"])
def test_open_output_refuses_what_it_must_not_write(tmp_path, kind):
    out = tmp_path / "out.csv"
    if kind == "dangling link":
        out.symlink_to(tmp_path / "nowhere" / "x.csv")
    elif kind == "folder":
        out.mkdir()
    else:
        out = tmp_path / "nowhere" / "out.csv"
    with pytest.raises(OutputError, match="symbolic link to a missing file|is a folder|does not exist"):
        write_output(out, "x")


@needs_root
def test_check_output_dir_refuses_a_file_or_device(tmp_path):
    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "file", _null_device(tmp_path / "null")):
        with pytest.raises(OutputError, match="not a folder"):
            check_output_dir(path)
    check_output_dir(tmp_path / "new")  # a folder that is made later is fine


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "link to a fifo"])
def test_check_input_file_refuses_special_files(tmp_path, kind):
    path = tmp_path / "in.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to a fifo":
        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(InputFileError, match="in.csv: not a regular file"):
        check_input_file(path)


def test_check_input_file_size_cap(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"x" * 11)
    with pytest.raises(InputFileError, match="larger than"):
        check_input_file(path, max_bytes=10)
    assert check_input_file(path, max_bytes=11).st_size == 11
