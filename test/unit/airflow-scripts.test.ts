import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, projectRoot } from '../../config';
import { airflowEnv } from '../../scripts/airflow/environment';
import { countsFromJunit } from '../../scripts/test-python';

describe('airflow scripts', () => {
  it('keeps Airflow’s state inside the project and its virtualenv in the user cache by default', () => {
    const config = loadConfig({ XDG_CACHE_HOME: '/var/cache/someone' });
    assert.equal(config.airflow.venvDir, path.join('/var/cache/someone', 'movie-rec', 'venvs', 'airflow'));
    assert.equal(loadConfig({ MOVIE_REC_VENVS_DIR: 'venvs' }).airflow.venvDir, path.join(projectRoot, 'venvs', 'airflow'));
    assert.equal(loadConfig({ AIRFLOW_VENV: '.venv/airflow' }).airflow.venvDir, path.join(projectRoot, '.venv', 'airflow'));
    assert.equal(config.airflow.home, path.join(projectRoot, '.local', 'airflow'));
    assert.equal(config.airflow.dagsFolder, path.join(projectRoot, 'dags'));
    assert.equal(config.airflow.python, 'python3');
  });

  it('gives Airflow processes the project home, DAG folder and a temporal_default connection', () => {
    // A Temporal server beyond loopback: the local-only secrets do not apply there.
    const secrets = { RELOAD_TOKEN: 'a-deployment-reload-token', S3_ACCESS_KEY_ID: 'deploy-key', S3_SECRET_ACCESS_KEY: 'deploy-secret-key' };
    const config = loadConfig({ AIRFLOW_HOME: 'tmp/af', TEMPORAL_ADDRESS: 'temporal:7300', TEMPORAL_NAMESPACE: 'batch', ...secrets });
    const env = airflowEnv(config, { PATH: '/usr/bin', PYTHONPATH: 'extra' });
    assert.equal(env.AIRFLOW_HOME, path.join(projectRoot, 'tmp', 'af'));
    assert.equal(env.AIRFLOW__CORE__DAGS_FOLDER, config.airflow.dagsFolder);
    assert.equal(env.AIRFLOW__CORE__LOAD_EXAMPLES, 'False');
    assert.equal(env.PYTHONPATH, [config.airflow.dagsFolder, 'extra'].join(path.delimiter));
    assert.ok(env.PATH?.startsWith(path.join(config.airflow.venvDir, 'bin')));
    assert.deepEqual(JSON.parse(env.AIRFLOW_CONN_TEMPORAL_DEFAULT ?? ''), {
      conn_type: 'temporal',
      host: 'temporal',
      port: 7300,
      extra: { namespace: 'batch', task_queue: 'movie-rec-batch' },
    });
  });

  it('leaves a temporal_default connection set by the caller alone', () => {
    const env = airflowEnv(loadConfig({}), { AIRFLOW_CONN_TEMPORAL_DEFAULT: 'temporal://elsewhere:7233' });
    assert.equal(env.AIRFLOW_CONN_TEMPORAL_DEFAULT, 'temporal://elsewhere:7233');
  });

  it('reads pytest counts from a JUnit report', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">' +
      '<testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10" time="1.2">' +
      '<testcase classname="a" name="b" time="0.1"/></testsuite></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 4, failed: 3, skipped: 3 });
  });

  it('sums every suite of a report, whatever its root and attribute order, and reads no counts from text', () => {
    const xml =
      '<testsuites><testsuite tests="4" name="a &gt; b" skipped="1"><testcase name="x">tests="99"</testcase></testsuite>' +
      '<testsuite failures="1" tests="2"/></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 4, failed: 1, skipped: 1 });
    assert.deepEqual(countsFromJunit('<testsuite tests="5" errors="2"/>'), { passed: 3, failed: 2, skipped: 0 });
  });

  it('reads an empty run as zero tests', () => {
    const xml = '<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="0"></testsuite></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 0, failed: 0, skipped: 0 });
  });
});
