# qwenplug: a small image for a free Hugging Face Docker Space (or any Docker host).
# Only index.ts, package.json and bun.lock go in (see .dockerignore): no .env,
# no tests, no git history. Secrets come from the environment at run time.

FROM oven/bun:1-alpine AS build
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts
COPY index.ts ./
# One ~280 KB file with the used part of zod inlined, instead of 8.6 MB of
# node_modules: a smaller image and no module resolution at start-up. With its
# bytecode cache beside it (dist/index.js.jsc, about 1 MB), Bun skips parsing
# and compiling it at start. The cache is made for the Bun that wrote it, so
# both stages use the same base image; a cache Bun cannot use is passed over
# and index.js parsed as usual (tried here with a damaged one).
RUN bun build index.ts --target=bun --minify --bytecode --format=cjs --outdir=dist

FROM oven/bun:1-alpine
WORKDIR /app
# Bun's fetch runs at most 256 upstream requests at once unless told otherwise,
# and reads this only at start-up; 64 per account × a few accounts needs more.
ENV NODE_ENV=production \
    PORT=8082 \
    HOST=0.0.0.0 \
    BUN_CONFIG_MAX_HTTP_REQUESTS=1024
COPY --from=build --chown=1000:1000 /app/dist ./dist
# The state file's default home when no /data is mounted (a Space's persistent
# storage is used when present): $HOME/.qwenplug, owned by the image's user.
RUN mkdir -p /home/bun/.qwenplug && chown 1000:1000 /home/bun/.qwenplug && chmod 700 /home/bun/.qwenplug
ENV HOME=/home/bun
# Hugging Face runs Spaces as uid 1000; the oven/bun images name that user "bun".
USER 1000
EXPOSE 8082
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
  CMD wget -qO /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
CMD ["bun", "dist/index.js"]
