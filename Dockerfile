# qwenplug: a small image for a free Hugging Face Docker Space (or any Docker host).
# Only index.ts, package.json and bun.lock go in (see .dockerignore): no .env,
# no tests, no git history. Secrets come from the environment at run time.

FROM oven/bun:1-alpine AS deps
WORKDIR /app
COPY package.json bun.lock ./
# zod is the only runtime dependency; dev dependencies stay out of the image.
RUN bun install --frozen-lockfile --production --ignore-scripts

FROM oven/bun:1-alpine
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8082 \
    HOST=0.0.0.0
COPY --from=deps --chown=1000:1000 /app/node_modules ./node_modules
COPY --chown=1000:1000 package.json index.ts ./
# Hugging Face runs Spaces as uid 1000; the oven/bun images name that user "bun".
USER 1000
EXPOSE 8082
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
  CMD wget -qO /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
CMD ["bun", "index.ts"]
