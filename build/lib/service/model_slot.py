"""The model being served, and swapping it for a newly trained one without a restart."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from nlp.codebook import Codebook
from nlp.errors import KfdError, ModelError
from nlp.model.artifacts import ModelManifest, load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
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

    def __init__(self, model_dir: Path, codebook: Codebook):
        self.model_dir = model_dir
        self.codebook = codebook
        self.current: ServedModel | None = None
        self.error: str | None = None  # why no model is served, when none is
        self._lock = threading.Lock()  # one load at a time

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
            self.current = served
            self.error = None
            freeze_long_lived()  # the replaced model's cycles are collected, the new one is kept out of passes
            log.info("serving model %s", manifest.version)
            return served

    def load_at_start(self) -> None:
        """Like `load`, but a failure leaves the service running, not ready, with the reason kept."""
        try:
            self.load()
        except KfdError as e:
            self.error = str(e)
            log.error("no model loaded: %s", e)
