# One image for every app; docker-compose.yml picks the process with `command`.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# The worker loads the prebuilt workflow bundle (WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js).
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]
