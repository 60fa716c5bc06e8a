"""The engine over a whole set of events at once: compute, the parallel split and its inputs."""
