# One image for every QuperSync service: QUPERSYNC_SERVICE picks which compiled main runs
# (coordinator, extractor, transformer, loader or data-api). Built in two stages so the runtime
# image carries production dependencies and compiled JavaScript only, no compiler or dev tools.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first: the npm ci layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
# tsc emits JavaScript only; the control-message codecs read their .avsc files from beside the
# compiled code (dist/libs/contracts/src/topics/<topic>/), so they are copied there by hand.
RUN npm run build \
 && find apps libs -name '*.avsc' -exec sh -c 'mkdir -p "dist/$(dirname "$1")" && cp "$1" "dist/$1"' copy-schema {} \; \
 && test -f dist/libs/contracts/src/topics/trigger-v1/trigger.avsc \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TS_NODE_PROJECT=/app/tsconfig.json \
    TS_NODE_BASEURL=/app/dist \
    QUPERSYNC_SERVICE=coordinator \
    QUPERSYNC_JOBS_FILE=/app/config/jobs.yaml \
    HTTP_PORT=8080 \
    HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# tsconfig-paths reads the "paths" aliases from here and resolves them under TS_NODE_BASEURL.
COPY --from=build /app/tsconfig.json ./tsconfig.json
# A default jobs file; docker-compose.yml mounts ./config over it.
COPY config ./config
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec replaces the shell: the service runs as PID 1 and receives SIGTERM itself on `docker stop`.
CMD ["sh", "-c", "case \"$QUPERSYNC_SERVICE\" in coordinator|extractor|transformer|loader|data-api) exec node -r tsconfig-paths/register \"dist/apps/$QUPERSYNC_SERVICE/src/main.js\" ;; *) echo \"QUPERSYNC_SERVICE must be coordinator, extractor, transformer, loader or data-api (got '$QUPERSYNC_SERVICE')\" >&2; exit 64 ;; esac"]
