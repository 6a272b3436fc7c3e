"""The service's logging, the same in every worker: uvicorn's and ours (`nlp`, `service`).

`KFD_LOG_FORMAT=text` (default): uvicorn's lines and `LEVEL:     logger: message` for ours.
`KFD_LOG_FORMAT=json`: one JSON object a line (time, level, logger, message, pid), for a log collector.
The access lines then carry method, path (without the query) and status, but no client address; our own
messages never name a contact person, an address, a phone number or an e-mail (see the privacy tests).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
from typing import Any

import uvicorn.config


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": os.getpid(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            _client, method, path, _version, status = args  # the client address is left out
            path = str(path).split("?", 1)[0]
            entry |= {
                "message": f"{method} {path} {status}",
                "method": method,
                "path": path,
                "status": status,
            }
        else:
            entry["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(log_format: str = "text") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn (`log_config=`): it applies it in every worker."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        config["formatters"] = {"json": {"()": "service.logs.JsonFormatter"}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
        formatter = "json"
    else:
        config["formatters"]["plain"] = {"format": "%(levelname)s:     %(name)s: %(message)s"}
        formatter = "plain"
    config["handlers"]["app"] = {
        "formatter": formatter,
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["app"], "level": "INFO"}
    config["loggers"]["alembic"] = {"level": "WARNING"}  # its INFO lines describe every schema check
    return config
