# One image for every newsmon role (scheduler, worker, web): the command picks the role.
#   docker build -t newsmon .
#   docker run --rm newsmon doctor
# compose.yaml runs the whole stack (docs/deploy.md).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSMON_DATA_DIR=/var/lib/newsmon \
    NEWSMON_SOURCES=/opt/newsmon/sources.yaml \
    NEWSMON_ALERTS=/opt/newsmon/alerts.yaml

WORKDIR /opt/newsmon
COPY . .
# A recent pip: the one a slim image ships may predate the build backend's needs.
RUN pip install --upgrade pip && pip install '.[postgres]' \
    && useradd --system --uid 10001 --home-dir /var/lib/newsmon --create-home newsmon \
    && chown newsmon:newsmon /var/lib/newsmon

USER newsmon
VOLUME ["/var/lib/newsmon"]
EXPOSE 8000
# The exec form: signals reach newsmon itself (PID 1), which stops within seconds.
ENTRYPOINT ["newsmon"]
CMD ["schedule"]
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s CMD ["newsmon", "doctor"]
