# The cckpi worker and simulator image used by docker-compose.yml.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cckpi ./cckpi
COPY producers ./producers
COPY streams ./streams
COPY schemas ./schemas
COPY sql ./sql
COPY dashboards ./dashboards
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["cckpi"]
