"""HTTP service of kfd-tagger: a thin FastAPI edge over `nlp` (see `service.app.create_app`)."""
