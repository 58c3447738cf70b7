# The engine's image: one build, run as the `worker` or the `api` service (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY console ./console
COPY drizzle ./drizzle
COPY bin ./bin
# Dev dependencies stay: tsx runs the TypeScript sources and the worker bundles workflows from them at start-up.
# npm ci's prepare step builds the web console (console/dist) from the sources copied above.
RUN npm ci --no-audit --no-fund
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
