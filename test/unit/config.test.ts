import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig, projectRoot } from '../../config';

describe('config', () => {
  it('gives the defaults of the spec for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.uiUrl, 'http://127.0.0.1:8233');
    assert.equal(config.temporal.taskQueue, 'movie-rec-batch');
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(config.kafka.topic, 'user-events');
    assert.equal(config.kafka.dlqTopic, 'user-events-dlq');
    assert.equal(config.kafka.groupId, 'movie-rec-consumer-group');
    assert.equal(config.kafka.lingerMs, 20);
    assert.equal(config.kafka.ackTimeoutMs, 2000);
    assert.equal(config.s3.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.s3.bucket, 'movie-rec');
    assert.equal(config.dynamodb.endpoint, 'http://127.0.0.1:8000');
    assert.equal(config.dynamodb.userFeaturesTable, 'movie_rec_user_features');
    assert.equal(config.dynamodb.movieFeaturesTable, 'movie_rec_movie_features');
    assert.equal(config.api.port, 3000);
    assert.equal(config.movielensDir, path.resolve(projectRoot, '../shared/data/movielens'));
  });

  it('derives client endpoints from overridden ports', () => {
    const config = loadConfig({ TEMPORAL_PORT: '17233', KAFKA_PORT: '19092', MINIO_PORT: '19000', DYNAMODB_PORT: '18000' });
    assert.equal(config.temporal.address, '127.0.0.1:17233');
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092']);
    assert.equal(config.s3.endpoint, 'http://127.0.0.1:19000');
    assert.equal(config.dynamodb.endpoint, 'http://127.0.0.1:18000');
  });

  it('takes explicit endpoints over the local defaults', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'kafka:9092, kafka2:9092', S3_ENDPOINT: 'http://minio:9000', TEMPORAL_ADDRESS: 'temporal:7233' });
    assert.deepEqual(config.kafka.brokers, ['kafka:9092', 'kafka2:9092']);
    assert.equal(config.s3.endpoint, 'http://minio:9000');
    assert.equal(config.temporal.address, 'temporal:7233');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ API_PORT: '' }).api.port, 3000);
  });

  it('names every bad variable and its value', () => {
    assert.throws(
      () => loadConfig({ API_PORT: 'eighty', KAFKA_TOPIC_PARTITIONS: '1', S3_ENDPOINT: 'not a url' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /API_PORT: .*\(got 'eighty'\)/);
        assert.match(err.message, /KAFKA_TOPIC_PARTITIONS: .*\(got '1'\)/);
        assert.match(err.message, /S3_ENDPOINT: .*\(got 'not a url'\)/);
        return true;
      },
    );
  });

  it('refuses a malformed broker list', () => {
    assert.throws(() => loadConfig({ KAFKA_BROKERS: 'localhost' }), /KAFKA_BROKERS: expected a comma-separated list of host:port/);
  });
});
