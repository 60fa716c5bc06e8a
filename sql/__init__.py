"""ClickHouse DDL: numbered, idempotent files, applied in order by :mod:`streams.storage.schema.migrate`."""
