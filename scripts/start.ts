/**
 * `npm start`: the main job on the local stack. Today it installs what is missing and brings the
 * services up; the platform processes join it as they are built.
 */
import { loadConfigOrExit } from '../config';
import { servicesUp } from './services/manager';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  await servicesUp(config);
  console.log('\nThe local stack is running (stop it with `npm run services:down`).');
  console.log('Not built yet: the ingest API, the consumer, the batch worker and the end-to-end run.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
