# The engine's image: one image for every process, the command picks the role
# (`lifecycle api`, `lifecycle worker`, `lifecycle migrate`, `lifecycle keys create ...`).

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/lifecycle
WORKDIR /src
COPY . .
RUN /opt/lifecycle/bin/pip install .

FROM python:3.12-slim
ENV PATH=/opt/lifecycle/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LIFECYCLE_HTTP_HOST=0.0.0.0 \
    LIFECYCLE_LOG_FORMAT=json
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/lifecycle lifecycle
COPY --from=build /opt/lifecycle /opt/lifecycle
USER lifecycle
WORKDIR /home/lifecycle
EXPOSE 8000
ENTRYPOINT ["lifecycle"]
CMD ["api"]
