# syntax=docker/dockerfile:1
# simgraph's image: the one static binary (web app embedded from the
# committed web/dist) on distroless, running as a non-root user.
# SQLite is modernc.org/sqlite, pure Go, so CGO_ENABLED=0 builds it.
#
#   make image                      # or: docker build -t simgraph .
#   docker run -p 8080:8080 -v simgraph-data:/data simgraph

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/simgraph/simgraph/server.Version=${VERSION}" \
      -o /out/simgraph . \
 && mkdir -p /out/data

# static: CA certificates (JWKS over HTTPS) and time zones, no shell, no libc.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/simgraph /simgraph
# The embedded mode's SQLite files and generated JWT secret; mount a volume.
COPY --from=build --chown=65532:65532 /out/data /data
ENV SIMGRAPH_ADDR=:8080 \
    SIMGRAPH_DATA_DIR=/data
USER 65532:65532
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/simgraph"]
CMD ["serve"]
