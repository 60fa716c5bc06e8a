# The cckpi worker and simulator image used by docker-compose.yml: the production install (no
# embedded broker or chDB), from the lock file, run as an unprivileged user whose data (Faust's
# folder, logs) lives in a volume. The base is pinned by digest (python:3.11-slim-bookworm,
# Python 3.11.16, as docker-library/repo-info lists it): a rebuild gets the same system.
FROM python:3.11.16-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b
WORKDIR /app
COPY requirements.lock pyproject.toml README.md LICENSE sla.example.yaml ./
# The build backend pinned too (the base image's own versions), and used without fetching another.
RUN pip install --no-cache-dir setuptools==79.0.1 wheel==0.46.3 \
 && pip install --no-cache-dir -r requirements.lock
COPY cckpi ./cckpi
COPY producers ./producers
COPY streams ./streams
COPY schemas ./schemas
COPY sql ./sql
COPY dashboards ./dashboards
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
 && mkdir -p /var/lib/cckpi && chown nobody:nogroup /var/lib/cckpi
ENV CCKPI_DATA_DIR=/var/lib/cckpi
VOLUME /var/lib/cckpi
USER nobody
ENTRYPOINT ["cckpi"]
