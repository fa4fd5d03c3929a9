# The service's image: one static binary (templates, static files and SQL
# migrations are embedded in it) on a small Debian with CA certificates,
# which Stripe's API needs, and a shell for compose's start-up command.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/advocacy ./cmd/advocacy

FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin advocacy
COPY --from=build /out/advocacy /usr/local/bin/advocacy
USER advocacy
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
# serve migrates before it serves, and stops gracefully on SIGTERM.
CMD ["advocacy", "serve"]
