# syntax=docker/dockerfile:1
# One image for every hl7-router app: they share node_modules and dist/, so one image to build, scan and patch.
# APP selects the app (mllp-gateway, router, adapter-lab, adapter-radiology, console, mllp-receiver):
#   docker build -t hl7-router .        docker run -e APP=router ... hl7-router
# Runs as the non-root `node` user (1000), writes nothing under / (mount a tmpfs on /tmp for a read-only root filesystem).

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts/copy-assets.mjs scripts/
COPY apps apps
COPY libs libs
RUN npx tsc -p tsconfig.build.json \
 && npx tsc-alias -p tsconfig.build.json --resolve-full-paths \
 && node scripts/copy-assets.mjs

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    APP=mllp-gateway \
    HTTP_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY apps/router/config ./apps/router/config
COPY scripts/demo-send.mjs ./scripts/demo-send.mjs
# The image's `node` user, by number so Kubernetes (runAsNonRoot) can check it is not root.
USER 1000:1000
# MLLP (gateway 2575, demo receivers 2576/2577) and health/metrics (HTTP_PORT).
EXPOSE 2575 2576 2577 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||9464)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["/bin/sh", "-c", "exec node --enable-source-maps --disable-warning=TimeoutNegativeWarning dist/apps/${APP}/src/main.js"]
