"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl in a temporary folder, listening on a
free loopback port (and a socket in that folder), trust authentication, stopped and removed at the end.

The binaries are Debian's (/usr/lib/postgresql/<version>/bin, the newest version) or whatever
`KFD_TEST_PG_BIN` names. initdb refuses to run as root: as root the cluster belongs to the `postgres`
user (Debian's package creates it) and every server command runs as that user through `runuser`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from service_process import free_port

PG_ROOT = Path("/usr/lib/postgresql")


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl, or None."""
    given = os.environ.get("KFD_TEST_PG_BIN")
    candidates = [Path(given)] if given else []
    if PG_ROOT.is_dir():
        versions = sorted(
            (p for p in PG_ROOT.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [v / "bin" for v in versions]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def skip_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    if find_bin() is None:
        return (
            "PostgreSQL tests need initdb and pg_ctl (/usr/lib/postgresql/*/bin, Debian's postgresql "
            "package; .ci/run installs it): none found"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and initdb refuses root: no 'postgres' user to run the cluster as"
    return None


@dataclass
class Cluster:
    port: int
    folder: Path
    _names: Iterator[int]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "kfd") -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"{prefix}_{next(self._names)}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url(name)


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """Start a cluster; stop it (fast: immediate) and delete its folder afterwards."""
    bin_dir = find_bin()
    assert bin_dir is not None, skip_reason()
    owner = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="kfd-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    run = {"check": True, "capture_output": True, "text": True}
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--locale=C.UTF-8",  # lower() folds umlauts, as in a German deployment
                ],  # fmt: skip
                owner,
            ),
            **run,
        )
        port = free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],  # fmt: skip
                owner,
            ),
            **run,
        )
    except subprocess.CalledProcessError as e:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {e.stderr}\n{server_log}") from None
    try:
        yield Cluster(port, folder, itertools.count(1))
    finally:
        subprocess.run(
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
