"""Renderings of an :class:`~slalang.evaluation.evaluate.Evaluation`: JSON (schema-validated),
CSV of ticket verdicts, JUnit XML for pipelines, and the terminal summary.

Each module is imported only when its output is asked for, to keep ``slalang evaluate`` lean.
"""
