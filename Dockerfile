# One image for every service: the monorepo with its locked dependencies; docker-compose.yml
# picks the service by its command. TypeScript runs through tsx, as in development.
FROM node:20-bookworm-slim
WORKDIR /app
RUN chown node:node /app
USER node
COPY --chown=node:node . .
RUN npm ci --no-audit --no-fund
