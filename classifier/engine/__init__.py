"""Labelling runs over feeds: read, batch, label on a process pool or a Dask cluster, write.

``run.predict`` and ``run.clean`` are the entry points; ``RunOptions`` configures them.
"""
