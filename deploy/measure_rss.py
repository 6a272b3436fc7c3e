"""Memory of the service with 1, 2 and 4 workers: RSS, PSS and USS summed over the whole process tree
(the parent that loaded the model and the workers it forked), after the workers answered requests.

    .venv/bin/python deploy/measure_rss.py [--model-dir models] [--workers 1 2 4]

RSS counts shared pages (the interpreter, libraries, a memory-mapped model) once per process, so its sum
overstates what several workers cost together; PSS shares them out and is the fairer total.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from service_process import free_port, stop, wait_ready  # noqa: E402

STATEMENTS = b'{"statements": [{"text": "Die Moderation war gut, aber die Zeit war zu knapp.", "section": "bewertung"}]}'


def measure(workers: int, model_dir: Path) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "KFD_PORT": str(port),
            "KFD_WORKERS": str(workers),
            "KFD_MODEL_DIR": str(model_dir),
            "KFD_DATABASE_URL": f"sqlite:///{folder}/kfd.sqlite3",
        }
        log = open(Path(folder) / "service.log", "wb")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "-m", "service"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(process, f"http://127.0.0.1:{port}", 180)
            deadline = time.monotonic() + 180
            # One worker: the process itself; several: that many children of the parent that loaded
            # the model and forked them.
            while workers > 1 and len(psutil.Process(process.pid).children()) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("not every worker started")
                time.sleep(0.2)
            import urllib.request

            for _ in range(20 * workers):  # tag something in (most likely) every worker
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/classify",
                    data=STATEMENTS,
                    headers={"Content-Type": "application/json"},
                )
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request).read()
            tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
            infos = [p.memory_full_info() for p in tree]
            mib = 1024 * 1024
            return {
                "processes": len(tree),
                "rss": sum(i.rss for i in infos) / mib,
                "pss": sum(i.pss for i in infos) / mib,
                "uss": sum(i.uss for i in infos) / mib,
            }
        finally:
            stop(process)
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=Path("models"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    print("workers  processes  RSS MiB  PSS MiB  USS MiB")
    for n in args.workers:
        m = measure(n, args.model_dir)
        print(f"{n:7d}  {m['processes']:9d}  {m['rss']:7.0f}  {m['pss']:7.0f}  {m['uss']:7.0f}")


if __name__ == "__main__":
    main()
