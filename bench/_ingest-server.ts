/**
 * The API as the ingest benchmark runs it: its own process (as in production), on an ephemeral port,
 * with the publisher named on the command line (`coalescing` or `naive`). Prints `{"port": N}` once
 * listening; stops on SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfigOrExit } from '../config';
import { createKafkaBatchSender } from '../adapters/kafka/batch-sender';
import { createKafka } from '../adapters/kafka/client';
import { CoalescingPublisher } from '../adapters/kafka/coalescing-producer';
import { createApp } from '../api/app';
import { NaivePublisher } from './_naive-publisher';

const variant = process.argv[2];
if (variant !== 'coalescing' && variant !== 'naive') throw new Error('usage: _ingest-server.ts coalescing|naive');
const config = loadConfigOrExit();
const sender = createKafkaBatchSender(createKafka(config.kafka, `bench-${variant}`), config.kafka.topic);
await sender.start();
const publisher =
  variant === 'coalescing'
    ? new CoalescingPublisher(sender, { lingerMs: config.kafka.lingerMs, maxBatchMessages: config.kafka.batchMaxMessages, ackTimeoutMs: config.kafka.ackTimeoutMs })
    : new NaivePublisher(sender, config.kafka.ackTimeoutMs);
const app = createApp({ publisher, logger: pino({ level: 'silent' }), config: { bodyLimit: config.api.bodyLimit, maxBatchEvents: 1000, retryAfterSeconds: 1 } });
const handle = app.callback();
const server = http.createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void publisher.close().then(() => process.exit(0));
});
