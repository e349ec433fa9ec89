"""Training, evaluation, metrics, reports and the corpus check."""
