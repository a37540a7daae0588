# The container route: the whole offline benchmark (harness, gate, table), no network at run time.
#   docker build -t neurotrace .
#   docker run --rm neurotrace                         # harness + gate + table
#   docker run --rm neurotrace neurotrace compare --circuit suppressor
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY neurotrace ./neurotrace
COPY evals ./evals
RUN pip install . \
    && useradd --create-home neurotrace \
    && chown -R neurotrace /app
USER neurotrace

# The harness rewrites evals/RESULTS.md inside the container; the gate exits 1 if a
# dissociation fails, so `docker run` reports it.
CMD ["sh", "-c", "python -m evals.harness && python -m evals.gate && neurotrace table"]
