"""``msk-features``: the one command line (the group is :func:`msk_features.cli.app.main`)."""

from msk_features.cli.app import main

__all__ = ["main"]
