# syntax=docker/dockerfile:1
# Production image: gunicorn serving Django, static files collected at build and served by
# whitenoise, non-root user. Configure it with environment variables (see README.md).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /venv
COPY requirements.lock ./
RUN /venv/bin/pip install -r requirements.lock
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build \
    /venv/bin/python manage.py collectstatic --noinput -v0 \
 && /venv/bin/python -m compileall -q annuaire core territories offerings providers opendata

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    DEBUG=0 \
    PORT=8000 \
    WEB_CONCURRENCY=3
# pg_dump and pg_restore for ops/backup.py (Debian 12's are PostgreSQL 15, compose's server).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home --home-dir /app annuaire
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app /app
USER annuaire
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "annuaire.healthcheck"]
CMD ["sh", "-c", "exec gunicorn annuaire.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY} --access-logfile - --no-control-socket"]
