"""The worker's log levels: a module of their own, so ``cckpi worker --help`` lists them without
importing the worker (Faust, Kafka and ClickHouse clients)."""

LOG_LEVELS = ("debug", "info", "warning", "error")
