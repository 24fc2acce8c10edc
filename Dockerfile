# syntax=docker/dockerfile:1
# One image recipe for every service: they share the workspace layout,
# the build and the runtime, so a copy per service would only drift apart.
#   docker build --build-arg SERVICE=auth-service -t feedmesh/auth-service .
# docker-compose.yml builds each service with its own SERVICE. Its port is
# the one mesh.json gives it (the service's default; PORT overrides it).

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /src
# Manifests first, so the dependency layer is cached across source edits.
COPY package.json package-lock.json tsconfig.base.json mesh.json ./
COPY common/package.json common/
COPY ${SERVICE}/package.json ${SERVICE}/
RUN npm ci --no-audit --no-fund -w @feedmesh/common -w @feedmesh/${SERVICE} --include-workspace-root
COPY common common
COPY ${SERVICE} ${SERVICE}
# A service with browser code bundles it too (web-client: esbuild, a build-time dependency).
RUN npx tsc -b ${SERVICE} \
 && npm run -s bundle -w @feedmesh/${SERVICE} --if-present \
 && npm prune --omit=dev --no-audit --no-fund -w @feedmesh/common -w @feedmesh/${SERVICE} --include-workspace-root

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production HOST=0.0.0.0 FEEDMESH_SERVICE=${SERVICE} SERVICE_FILE=/app/${SERVICE}/dist/index.js
WORKDIR /app
COPY --from=build /src/package.json /src/mesh.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/common/package.json common/
COPY --from=build /src/common/dist common/dist
# The service folder as built: dist/ plus what it reads at run time (migrations/, lua/).
COPY --from=build /src/${SERVICE} ${SERVICE}
# The official node image ships an unprivileged `node` user.
USER node
# The port the service listens on: PORT if set, else its own in mesh.json.
HEALTHCHECK --interval=5s --timeout=2s --start-period=10s --retries=3 CMD ["node", "-e", \
  "const port = process.env.PORT || require('/app/mesh.json').services[process.env.FEEDMESH_SERVICE].port; \
fetch(`http://127.0.0.1:${port}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["sh", "-c", "exec node \"$SERVICE_FILE\""]
