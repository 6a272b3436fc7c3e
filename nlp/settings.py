"""Where the library finds its model, codebook and database: one pydantic-settings class for both edges.

The CLI and the HTTP service resolve these three the same way, from `KFD_*` environment variables
(`KFD_MODEL_DIR`, `KFD_CODEBOOK`, `KFD_DATABASE_URL`; `KFD_TRAINING_DATA` for retraining); an explicit command-line option wins. The
service's own settings (host, keys, limits) extend this class in `service.settings`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook

DEFAULT_DATABASE_URL = "sqlite:///data/kfd.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KFD_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL  # any SQLAlchemy URL, e.g. postgresql+psycopg://…
    model_dir: Path = Path("models")  # a model directory, or a folder whose `current` is used
    codebook: Path | None = None  # None: the codebook shipped with the package (nlp/codebook.yaml)
    training_data: Path = Path("training_data")  # what the workspace's retraining starts from

    @property
    def codebook_path(self) -> Path:
        return self.codebook or DEFAULT_CODEBOOK

    def load_codebook(self) -> Codebook:
        return load_codebook(self.codebook_path)


@functools.lru_cache
def get_settings() -> Settings:
    """The library settings of this process, read once from the environment."""
    return Settings()
