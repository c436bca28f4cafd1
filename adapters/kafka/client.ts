import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../config';

export function createKafka(kafka: Config['kafka'], clientSuffix = ''): Kafka {
  return new Kafka({
    clientId: clientSuffix ? `${kafka.clientId}-${clientSuffix}` : kafka.clientId,
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 200, retries: 5 },
  });
}
