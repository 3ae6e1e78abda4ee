# syntax=docker/dockerfile:1
# derivs in a container, to host it for a class (README: "Host it for a class").
#
#   docker build -t derivs .
#   docker run --rm --init -p 8501:8501 derivs                 # http://localhost:8501
#   docker run --rm --init -p 127.0.0.1:8501:8501 -e STREAMLIT_SERVER_BASE_URL_PATH=derivs derivs
#                                                              # behind deploy/nginx.conf at /derivs/
#
# tests/browser/test_proxy.py runs what this file copies, with its CMD, ENV and HEALTHCHECK,
# behind nginx (docker itself is not needed for that test).

# Python 3.11, as chosen on Community Cloud; slim: no compiler needed, every pin has a wheel.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The user the app runs as: no root, no shell. Numeric ids, so that an orchestrator's
# "run as non-root" check can verify it; it owns none of the app's files (they stay read-only).
RUN groupadd --system --gid 10001 derivs \
    && useradd --system --uid 10001 --gid derivs --create-home --home-dir /home/derivs \
        --shell /usr/sbin/nologin derivs

WORKDIR /app

# The pinned runtime first, in a layer of its own: an edit to the app does not reinstall it.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# What runs, and nothing else. derivs/ and derivs_app/ are imported from the working directory
# (the app is not pip-installed); .streamlit/config.toml is read from the working directory too
# (theme, no telemetry, no error details sent to the browser). Never .streamlit/secrets.toml:
# the app needs no secrets, and .dockerignore keeps it out of the context as well.
COPY .streamlit/config.toml .streamlit/
COPY derivs/ derivs/
COPY derivs_app/ derivs_app/
COPY pages/ pages/
COPY assets/ assets/
COPY app.py ./
# Bytecode compiled now, as root: the app's user cannot write /app, so without this every start
# would compile the app's modules again.
RUN python -m compileall -q /app

USER 10001:10001
EXPOSE 8501

# /_stcore/health answers "ok" once the server is up; under a base path it moves below it.
# python, not curl: slim has no curl. An error (refused, 404, time-out) exits 1: unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; b = os.environ.get('STREAMLIT_SERVER_BASE_URL_PATH', '').strip('/'); urllib.request.urlopen('http://127.0.0.1:8501/' + (b + '/' if b else '') + '_stcore/health', timeout=4)"]

# Exec form: streamlit itself gets docker stop's SIGTERM (no shell in between). `docker run
# --init` puts tini in front, which also reaps any orphaned child (the formula sandbox forks
# workers; streamlit as PID 1 would not reap a stray one). 0.0.0.0: reachable through the
# published port. No file watcher: the code does not change inside the image.
CMD ["streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "0.0.0.0", "--server.port", "8501", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
