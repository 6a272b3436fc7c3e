"""Typed errors of the library; the CLI and the HTTP service translate them for users."""


class KfdError(Exception):
    """Base class: every error the library raises on purpose."""


class ReportParseError(KfdError):
    """A file or text could not be read as a Steckbrief report."""


class UnknownLabel(KfdError):
    """A theme or sentiment id that the codebook does not define."""


class CorpusError(KfdError):
    """The labelled training data is invalid."""


class ModelError(KfdError):
    """No usable model: missing, tampered with or trained for something else."""


class ModelMismatch(ModelError):
    """A model's manifest does not match the codebook, libraries or spaCy pipeline in use."""
