"""The model being served, and swapping it for a newly trained one without a restart."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from nlp.codebook import Codebook
from nlp.errors import KfdError, ModelError
from nlp.model.artifacts import ModelManifest, load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from service.metrics import model_served
from service.runtime import freeze_long_lived

log = logging.getLogger(__name__)
# Tagged once before a model is served: loads the spaCy pipeline and proves the artifact works.
_PROBE = StatementInput("Die Moderation war gut, aber die Zeit war zu knapp.", "bewertung")


@dataclass(frozen=True)
class ServedModel:
    model: Tagger
    manifest: ModelManifest


class ModelSlot:
    """Holds the served model. A request reads `current` once and uses that model throughout, so one
    response never mixes two models; `load` replaces it in a single assignment, and only after the new
    model has passed every check (manifest, sha256, codebook, a probe tagging)."""

    def __init__(self, model_dir: Path, codebook: Codebook, reload_signal: Path | None = None):
        self.model_dir = model_dir
        self.codebook = codebook
        self.current: ServedModel | None = None
        self.error: str | None = None  # why no model is served, when none is
        self._lock = threading.Lock()  # one load at a time
        # With several workers (processes), a reload reaches one of them: it writes the new version to
        # this file, and every worker compares the file's stamp before it serves a request (one stat).
        self.reload_signal = reload_signal
        self._seen: tuple[int, int] | None = self._stamp()
        self._sync_lock = threading.Lock()

    def load(self) -> ServedModel:
        """Load the model at `model_dir` (its `current`) and serve it. On failure the model served
        until now stays, and the error is raised."""
        with self._lock:
            try:
                model, manifest = load_model(self.model_dir, self.codebook)
                model.tag([_PROBE])
            except KfdError:
                raise
            except Exception as e:  # an artifact that unpickles but does not work
                raise ModelError(
                    f"model at {self.model_dir} does not work: {e.__class__.__name__}: {e}"
                ) from e
            served = ServedModel(model, manifest)
            # Only the version of the replaced model: no reference to it may outlive the swap (the
            # freeze below would keep it, and its memory, for good).
            previous_version = self.current.manifest.version if self.current else None
            self.current = served
            model_served(manifest.version, previous_version)
            self.error = None
            freeze_long_lived()  # the replaced model's cycles are collected, the new one is kept out of passes
            log.info("serving model %s", manifest.version)
            return served

    def serving_here(self) -> None:
        """In a worker forked after the parent loaded the model: this process now serves it (its model
        gauge, which prometheus-client keeps per process)."""
        if self.current is not None:
            model_served(self.current.manifest.version, None)

    def load_at_start(self) -> None:
        """Like `load`, but a failure leaves the service running, not ready, with the reason kept."""
        try:
            self.load()
        except KfdError as e:
            self.error = str(e)
            log.error("no model loaded: %s", e)

    # -- several workers: a reload on one reaches all ------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        if self.reload_signal is None:
            return None
        try:
            st = os.stat(self.reload_signal)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_ino)

    def reload(self) -> ServedModel:
        """`load`, then tell the other workers (when there are any) to serve the same version."""
        served = self.load()
        if self.reload_signal is not None:
            with self._sync_lock:
                tmp = self.reload_signal.with_name(f".{self.reload_signal.name}.{os.getpid()}")
                tmp.write_text(served.manifest.version, encoding="utf-8")
                os.replace(tmp, self.reload_signal)  # a new inode: its stamp differs from every earlier one
                self._seen = self._stamp()
        return served

    def behind(self) -> bool:
        """Another worker reloaded the model since this one last looked (one stat, no lock)."""
        return self.reload_signal is not None and self._stamp() != self._seen

    def catch_up(self) -> None:
        """Serve the version another worker reloaded before answering (blocking: run it off the event
        loop). A model that fails here leaves the old one serving; the error is logged."""
        with self._sync_lock:
            stamp = self._stamp()
            if stamp == self._seen or self.reload_signal is None:
                return  # another request of this worker caught up already
            try:
                wanted = self.reload_signal.read_text(encoding="utf-8").strip()
                if self.current is None or self.current.manifest.version != wanted:
                    self.load()
            except OSError:
                pass
            except KfdError as e:
                log.error("another worker reloaded model %s, this one could not: %s", wanted, e)
            finally:
                # Only now: the requests that arrived meanwhile wait on the lock, not on the old model.
                self._seen = stamp
