# A slim image of the sandbox: docker build -t supplier-sandbox . && docker run -p 8000:8000 supplier-sandbox
# (add -v sandbox-data:/data to keep the state in a named volume)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY sandbox ./sandbox
COPY specs ./specs
COPY fixtures ./fixtures
# A regular (non-editable) install: the specs and default fixtures travel inside the package.
RUN pip install . && rm -rf /src && useradd --system --no-create-home sandbox \
    && mkdir /data && chown sandbox /data

# The state lives in /data/sandbox.db and survives a restart of the container (and a new one on the
# same volume: docker run -v sandbox-data:/data ...). SANDBOX_DATA= (empty) keeps it in memory.
ENV SANDBOX_DATA=/data/sandbox.db
VOLUME /data

WORKDIR /
USER sandbox
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/_sandbox/health')"
CMD ["sandbox", "serve", "--host", "0.0.0.0"]
