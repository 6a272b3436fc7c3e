"""`make bench`: speed, memory and quality of kfd-tagger, measured side by side (see bench/run.py)."""
