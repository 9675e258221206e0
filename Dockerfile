# One image for every Lumen component; docker-compose.yml picks the command per service.
FROM node:20-bookworm-slim

WORKDIR /app

# Manifests first, so that the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY billing/package.json billing/
COPY ingest/package.json ingest/
COPY aggregator/package.json aggregator/
COPY sidecar/package.json sidecar/
COPY sdk/package.json sdk/
COPY bench/package.json bench/
# Dev dependencies included: the components run TypeScript through tsx.
RUN npm ci && npm cache clean --force

COPY . .

ENV NODE_ENV=production \
    LUMEN_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node

EXPOSE 8080 8081 7070
CMD ["node", "--import", "tsx", "billing/src/main.ts"]
