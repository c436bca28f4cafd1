# One image for the platform's Node processes (api, consumer, worker, console); the command picks the
# process. The build stage compiles them (`npm run build`, development dependencies included); the
# runtime stage holds only the production dependencies and dist/, and runs the compiled JavaScript
# with plain node.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY domain ./domain
COPY recommender ./recommender
COPY adapters ./adapters
COPY api ./api
COPY console ./console
COPY consumer ./consumer
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY cli ./cli
COPY scripts ./scripts
RUN npm run build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/api/main.js"]
