# The engine's image: one build, run as the `worker` or the `api` service (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies stay: tsx runs the TypeScript sources and the worker bundles workflows from them at start-up.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY drizzle ./drizzle
COPY bin ./bin
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
