"""The human side of tagging: agreement of double coders, retraining with reviewed statements, and the
figures behind the workspace's dashboard."""
