"""A local stack: the processes cckpi starts for the demo, the benchmark and the tests (the
embedded broker, clickhouse-server, ZooKeeper, workers) and the lock on an embedded folder."""
