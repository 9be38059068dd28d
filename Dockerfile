# syntax=docker/dockerfile:1
# The wxlogin service (`wxlogin serve`) as a container image. How it is built and run: docs/deployment.md.
#
#   docker build -t wxlogin .
#   docker run --rm -p 3000:3000 -e WXLOGIN_APPS_FILE=/run/secrets/wxlogin_apps … wxlogin
#
# Stages: `toolchain` (Node plus what better-sqlite3's native addon needs to compile), `build` (every dependency, then
# tsc), `prod-deps` (`npm ci --omit=dev`), and the runtime stage, which copies only the built files and the
# production node_modules into a clean slim image: no compiler, no npm cache, no TypeScript, no simulator, no Vite
# (the console is its built files).

# The Node line the service is tested on (engines: >=20.18.1). Pin the digest as well in your own registry.
FROM node:20.20.2-bookworm-slim AS toolchain
# better-sqlite3 downloads a prebuilt addon when it can and compiles it with node-gyp otherwise (no network, or no
# prebuilt for this Node): node-gyp needs these.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Every workspace's manifest, or `npm ci` finds the lockfile out of step with package.json. Only the manifests here,
# so the install layers are rebuilt only when a dependency changes.
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/simulator/package.json packages/simulator/
COPY packages/server/package.json packages/server/
COPY packages/miniprogram/package.json packages/miniprogram/
COPY packages/console/package.json packages/console/

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/core/tsconfig.json packages/core/
COPY packages/core/src packages/core/src
# The server's tsconfig references the simulator (`wxlogin dev` imports it); it is compiled but not shipped.
COPY packages/simulator/tsconfig.json packages/simulator/
COPY packages/simulator/src packages/simulator/src
COPY packages/server/tsconfig.json packages/server/
COPY packages/server/src packages/server/src
COPY packages/server/bin packages/server/bin
# The operator's console (/admin): built by Vite into packages/server/console, which the runtime stage copies.
COPY packages/console/index.html packages/console/build.mjs packages/console/vite.config.ts packages/console/
COPY packages/console/src packages/console/src
RUN npx tsc -b packages/server && node packages/console/build.mjs

FROM toolchain AS prod-deps
# pg and mysql2 are optional peers of @wxlogin/server and devDependencies of the root, so the lockfile marks them
# devOptional, which `--omit=dev` keeps: the image can use all three databases. The check makes a change to that
# fail here, at build time, instead of at the first start on PostgreSQL ("install pg").
RUN npm ci --omit=dev --no-audit --no-fund \
  && node -e "require.resolve('pg'); require.resolve('mysql2'); require('better-sqlite3')(':memory:').close()" \
  && rm node_modules/@wxlogin/simulator node_modules/@wxlogin/miniprogram node_modules/@wxlogin/console

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production \
  WXLOGIN_HOST=0.0.0.0 \
  WXLOGIN_PORT=3000
WORKDIR /app
# Owned by root and read-only to the service: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/bin packages/server/bin
COPY --from=build /app/packages/server/dist packages/server/dist
COPY --from=build /app/packages/server/console packages/server/console
# The working directory of the service: the default `sqlite:./wxlogin.db` lands here, on a volume, writable by the
# service alone. PostgreSQL or MariaDB deployments never write to it.
RUN mkdir /data && chown node:node /data
WORKDIR /data
VOLUME ["/data"]
# `node`, uid 1000, comes with the official image.
USER node
EXPOSE 3000
# Liveness only: /healthz answers while the process serves HTTP. Readiness (/readyz) is for the load balancer.
# Node's own fetch, because the slim image has no curl or wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WXLOGIN_PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service stops gracefully on SIGTERM (in-flight requests finish); give it the time: `docker stop -t 30`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/packages/server/bin/wxlogin.js"]
CMD ["serve"]
