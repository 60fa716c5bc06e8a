"""What the tests share, in one place: event builders, the spawned command line, worker
processes and waits, messy streams, bad messages, certificates, compose files, panel runs."""
