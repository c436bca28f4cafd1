# One image for the platform's Node processes (api, consumer, worker); the command picks the process.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY config ./config
COPY domain ./domain
COPY recommender ./recommender
COPY adapters ./adapters
COPY api ./api
COPY consumer ./consumer
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY cli ./cli
COPY scripts ./scripts
USER node
CMD ["npx", "tsx", "api/main.ts"]
