# A slim image of the sandbox: docker build -t supplier-sandbox . && docker run -p 8000:8000 supplier-sandbox
# (add -v sandbox-data:/data to keep the state in a named volume)
# A patch release of Python on a named Debian, so that a rebuild gets the same base until this line changes.
FROM python:3.11.16-slim-bookworm

# docker build --build-arg SOURCE=https://... names the repository the image was built from.
ARG SOURCE=""
LABEL org.opencontainers.image.title="supplier-sandbox" \
      org.opencontainers.image.description="A local, spec-driven sandbox of the Fixje Partner Web API and the vidaXL customer API." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# The dependencies first, in a layer of their own (with the tls extra and the build backend): a change to
# the sources, the specs or the fixtures builds from the next step on.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['build-system']['requires'] + p['project']['dependencies'] \
+ p['project']['optional-dependencies']['tls']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY README.md ./
COPY sandbox ./sandbox
COPY specs ./specs
COPY fixtures ./fixtures
# A regular (non-editable) install: the specs and default fixtures travel inside the package. `pip check`
# fails the build should the layer above have missed a dependency.
RUN pip install --no-deps --no-build-isolation . && pip check && rm -rf /src \
    && useradd --system --no-create-home sandbox && mkdir /data && chown sandbox /data

# The state lives in /data/sandbox.db and survives a restart of the container (and a new one on the
# same volume: docker run -v sandbox-data:/data ...). SANDBOX_DATA= (empty) keeps it in memory.
# With SANDBOX_TLS=1 the CA and certificate are kept beside it, in /data/sandbox.db.tls/ (or, in
# memory, in $XDG_DATA_HOME/supplier-sandbox/tls/: on the volume too).
ENV SANDBOX_DATA=/data/sandbox.db \
    XDG_DATA_HOME=/data
VOLUME /data

WORKDIR /
USER sandbox
EXPOSE 8000
# Asks the port and the scheme the sandbox serves (SANDBOX_PORT, SANDBOX_TLS or SANDBOX_TLS_CERT; give the
# options through these variables rather than on the command line for the check to follow them), without
# checking the certificate: it only asks whether the sandbox answers, on loopback. Up to 30 s to start.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import os, ssl, urllib.request as r; \
tls = os.environ.get('SANDBOX_TLS', '').strip().lower() in ('1', 'true', 'yes', 'on') \
or bool(os.environ.get('SANDBOX_TLS_CERT')); \
port = os.environ.get('SANDBOX_PORT') or '8000'; \
url = ('https' if tls else 'http') + '://127.0.0.1:' + port + '/_sandbox/health'; \
r.build_opener(r.ProxyHandler({}), r.HTTPSHandler(context=ssl._create_unverified_context())).open(url, timeout=2)"
CMD ["sandbox", "serve", "--host", "0.0.0.0"]
