"""The built-in wallboard: a page and its push stream, served by the worker."""
