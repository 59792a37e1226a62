"""Measurement and fixture tooling: benchmarks, load test, example writer, app-server helper and drawings.

Not part of the shipped package: ``fashseg/`` holds only what ``app.py`` and ``train.py`` run.
"""
