"""The Faust worker: its app, runtime state, batching, progress and tuning."""
