import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig, projectRoot } from '../../config';

const ownSecrets = { RELOAD_TOKEN: 'a-deployment-reload-token', S3_ACCESS_KEY_ID: 'deploy-key', S3_SECRET_ACCESS_KEY: 'deploy-secret-key' };
const defaultSecrets = ['RELOAD_TOKEN', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];

/** The variables a ConfigError names. */
function refused(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.split(':')[0]!);
  }
  return [];
}

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
    const config = loadConfig({ KAFKA_BROKERS: 'kafka:9092, kafka2:9092', S3_ENDPOINT: 'http://minio:9000', TEMPORAL_ADDRESS: 'temporal:7233', ...ownSecrets });
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

  describe('local-only secrets', () => {
    it('lets the local stack run on its defaults with no setup', () => {
      assert.deepEqual(refused({}), []);
      assert.deepEqual(refused({ API_HOST: '127.0.0.1', S3_ENDPOINT: 'http://localhost:9000', API_URL: 'http://[::1]:3000' }), []);
    });

    it('refuses every default secret under NODE_ENV=production, naming it and how to set it', () => {
      assert.deepEqual(refused({ NODE_ENV: 'production' }), defaultSecrets);
      assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /RELOAD_TOKEN: the local stack's default works only on 127\.0\.0\.1, and NODE_ENV=production; set RELOAD_TOKEN to a random token/);
    });

    it('refuses them when the API listens beyond loopback or a service is reached beyond it', () => {
      for (const env of [{ API_HOST: '0.0.0.0' }, { API_HOST: '10.0.0.5' }, { S3_ENDPOINT: 'http://minio:9000' }, { API_URL: 'http://api.internal:3000' }, { KAFKA_BROKERS: '127.0.0.1:9092,kafka-2:9092' }, { TEMPORAL_ADDRESS: 'temporal:7233' }, { DYNAMODB_ENDPOINT: 'http://dynamodb:8000' }]) {
        assert.deepEqual(refused(env), defaultSecrets, JSON.stringify(env));
      }
    });

    it('requires API keys when the API listens beyond loopback, and parses them', () => {
      assert.throws(() => loadConfig({ API_HOST: '0.0.0.0', ...ownSecrets }), /API_KEYS: required when the API listens beyond loopback \(API_HOST=0\.0\.0\.0\)/);
      const digest = 'a'.repeat(64);
      const config = loadConfig({ API_HOST: '0.0.0.0', ...ownSecrets, API_KEYS: `web:${digest}, mobile:${'b'.repeat(64)}:20` });
      assert.deepEqual(config.api.apiKeys, [{ name: 'web', sha256: digest }, { name: 'mobile', sha256: 'b'.repeat(64), ratePerSecond: 20 }]);
      for (const bad of ['web', `web:${digest.slice(1)}`, `web:${digest},web:${digest}`]) assert.deepEqual(refused({ API_KEYS: bad }), ['API_KEYS'], bad);
    });

    it("refuses a default value set explicitly, and takes the deployment's own", () => {
      assert.deepEqual(refused({ NODE_ENV: 'production', ...ownSecrets, RELOAD_TOKEN: 'movie-rec-local-reload-token' }), ['RELOAD_TOKEN']);
      assert.deepEqual(refused({ NODE_ENV: 'production', API_HOST: '0.0.0.0', API_KEYS: `web:${'c'.repeat(64)}`, ...ownSecrets }), []);
    });
  });
});
