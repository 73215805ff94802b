# kforge as a small job image: a static (musl) binary on distroless, running as non-root.
#
#   docker build -t kforge .
#   docker run --rm -v "$PWD:/work" -w /work kforge check
#
# The final image has no shell; a CI system that needs one in the job image (GitLab's `script:`)
# can use the `ci` target (distroless debug: busybox sh at /busybox/sh):
#   docker build --target ci -t kforge:ci .

# --- build: Alpine's Rust is musl-native, so the release binary is statically linked ----------
FROM rust:1.95-alpine3.22 AS build
# C headers for the crates that compile C (mimalloc, the TLS library). Alpine's package is
# tied to the image's musl, so it is not pinned.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
# Dependencies first, so an edit to src/ does not rebuild them.
COPY Cargo.toml Cargo.lock ./
# boon, patched (Cargo.toml, `[patch.crates-io]`).
COPY vendor vendor
RUN cargo fetch --locked
COPY chart-templates chart-templates
COPY src src
RUN cargo build --release --locked --offline \
    && target/release/kforge --version \
    && install -D -m 0755 target/release/kforge /out/kforge

# --- ci: with busybox sh (for job runners that exec a shell in the image) ----------------------
FROM gcr.io/distroless/static-debian12:debug-nonroot AS ci
COPY --from=build /out/kforge /usr/local/bin/kforge
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kforge"]

# --- runtime (default): the binary, CA certificates, /etc/passwd with `nonroot`; nothing else --
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/kforge /usr/local/bin/kforge
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/kforge"]
