"""The only ClickHouse code: one protocol for chDB and a server, the tables, writes and reads."""
