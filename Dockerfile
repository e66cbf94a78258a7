# parindex production image: gunicorn + WhiteNoise (static files) + the same image for workers.
# Documented in docs/deployment.md; build with `docker build -t parindex .`.
FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/parindex \
 && /opt/parindex/bin/pip install --upgrade pip \
 && /opt/parindex/bin/pip install . \
 && cd src/parindex && PARINDEX_DATA_DIR=/tmp/build /opt/parindex/bin/parindex compilemessages --verbosity 0
# The compiled .mo files now sit next to the sources; reinstall so the package carries them.
RUN /opt/parindex/bin/pip install --no-deps --force-reinstall . \
 && PARINDEX_DATA_DIR=/opt/static-build PARINDEX_COLLECTSTATIC=1 /opt/parindex/bin/parindex collectstatic --noinput --verbosity 0

FROM python:3.12-slim-bookworm
# libmagic: upload type detection by content; tini: a proper PID 1 for signals.
# PDF output of official documents needs LibreOffice: build with --build-arg WITH_PDF=1.
ARG WITH_PDF=0
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 tini \
 && if [ "$WITH_PDF" = "1" ]; then apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-liberation2; fi \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/parindex --create-home parindex
COPY --from=build /opt/parindex /opt/parindex
COPY --from=build /opt/static-build/static /var/lib/parindex/static
COPY deploy/gunicorn.conf.py deploy/healthcheck.py /etc/parindex/
ENV PATH=/opt/parindex/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PARINDEX_DATA_DIR=/var/lib/parindex \
    PARINDEX_COLLECTSTATIC=1 \
    PARINDEX_HTTPS=1 \
    PARINDEX_BEHIND_PROXY=1 \
    PARINDEX_LOG_FORMAT=json
USER parindex
WORKDIR /var/lib/parindex
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["python", "/etc/parindex/healthcheck.py"]
ENTRYPOINT ["tini", "--"]
# Web: the default. Workers: `parindex worker`. One-off: `parindex migrate`, `parindex backup /backups/…`.
CMD ["gunicorn", "-c", "/etc/parindex/gunicorn.conf.py"]
