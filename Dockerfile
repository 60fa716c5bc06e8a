# The cckpi worker and simulator image used by docker-compose.yml: the production install (no
# embedded broker or chDB), from the lock file, run as an unprivileged user whose data (Faust's
# folder, logs) lives in a volume.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY cckpi ./cckpi
COPY producers ./producers
COPY streams ./streams
COPY schemas ./schemas
COPY sql ./sql
COPY dashboards ./dashboards
RUN pip install --no-cache-dir --no-deps . \
 && mkdir -p /var/lib/cckpi && chown nobody:nogroup /var/lib/cckpi
ENV CCKPI_DATA_DIR=/var/lib/cckpi
VOLUME /var/lib/cckpi
USER nobody
ENTRYPOINT ["cckpi"]
