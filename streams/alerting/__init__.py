"""Alerts of the live pipeline: evaluation after batches, storage, and webhook delivery."""
