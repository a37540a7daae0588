"""The evaluation harness (``python -m evals.harness``) and its gate (``python -m evals.gate``)."""
