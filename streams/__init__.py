"""The stream processors and everything they stand on, one package per concern (see README)."""
