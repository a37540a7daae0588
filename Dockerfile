# The container route: the whole offline benchmark (harness, gate, table), no network at run time.
#   docker build -t neurotrace .
#   docker run --rm neurotrace                         # harness (to stdout) + gate + table
#   docker run --rm neurotrace neurotrace compare --circuit suppressor
#
# The default run writes no file: the harness prints RESULTS.md to stdout (--out -). So the image
# works read-only and as any user (docker run --read-only --user 12345:12345 ...). To keep the
# report as a file, mount a folder and write there (README: "Docker"):
#   docker run --rm -v "$PWD/out:/out" neurotrace python -m evals.harness --out /out/RESULTS.md --no-readme
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp

WORKDIR /app
COPY pyproject.toml README.md ./
COPY neurotrace ./neurotrace
COPY evals ./evals
# Installed into site-packages (byte-compiled there at install time), so nothing is written at
# run time; /app keeps only what `python -m evals.*` reads, readable by every user.
RUN pip install . \
    && rm -rf build neurotrace.egg-info \
    && python -m compileall -q evals \
    && chmod -R a+rX /app \
    && useradd --no-create-home --uid 10001 neurotrace
USER 10001

# The gate exits 1 if a claim fails, so `docker run` reports it.
CMD ["sh", "-c", "python -m evals.harness --out - --no-readme --quiet && python -m evals.gate && neurotrace table --quiet"]
