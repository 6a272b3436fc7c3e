"""Both edges resolve model dir, codebook and database from one `Settings` (`KFD_*` variables)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import DATA_DIR

from cli import main
from nlp.codebook import DEFAULT_CODEBOOK
from nlp.settings import get_settings
from service.settings import Settings as ServiceSettings


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _tag(*args, env=None):
    return CliRunner().invoke(main, ["tag", str(DATA_DIR / "steckbrief_title.txt"), *args], env=env)


def test_tag_uses_kfd_model_dir_without_model_option(trained_model, tmp_path):
    result = _tag(env={"KFD_MODEL_DIR": str(trained_model)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["model_version"] == trained_model.name
    get_settings.cache_clear()  # a new process would read the environment again
    missing = _tag(env={"KFD_MODEL_DIR": str(tmp_path / "nirgends")})
    assert missing.exit_code == 2 and "no model at" in missing.output


def test_model_option_wins_over_kfd_model_dir(trained_model, tmp_path):
    result = _tag("--model", str(trained_model), env={"KFD_MODEL_DIR": str(tmp_path / "nirgends")})
    assert result.exit_code == 0, result.output


def test_tag_checks_the_model_against_kfd_codebook(trained_model, tmp_path):
    changed = tmp_path / "codebook.yaml"
    changed.write_text(
        DEFAULT_CODEBOOK.read_text("utf-8").replace("money, funding", "money and funding"), "utf-8"
    )
    result = _tag("--model", str(trained_model), env={"KFD_CODEBOOK": str(changed)})
    assert result.exit_code == 2
    assert "another codebook" in result.output and "Traceback" not in result.output


def test_service_settings_extend_the_library_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("KFD_MODEL_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("KFD_DATABASE_URL", "sqlite:///x.sqlite3")
    library, service = get_settings(), ServiceSettings()
    assert (service.model_dir, service.database_url) == (library.model_dir, library.database_url)
    assert service.codebook_path == library.codebook_path == DEFAULT_CODEBOOK
