import { loadConfigOrExit } from '../../config';
import { installServices } from './install';
import { formatStatus, servicesDown, servicesStatus, servicesUp } from './manager';
import { provisionAll } from './provision';

const usage = 'usage: services <install | up | down | status | provision>';

async function main(command: string | undefined): Promise<number> {
  const config = loadConfigOrExit();
  switch (command) {
    case 'install': {
      const t0 = Date.now();
      const report = await installServices(config);
      console.log(`services:install: ${report.installed.length} installed, ${report.alreadyThere.length} already there (${((Date.now() - t0) / 1000).toFixed(1)} s); cache: ${config.servicesCacheDir}`);
      return 0;
    }
    case 'up':
      await servicesUp(config);
      return 0;
    case 'down':
      await servicesDown(config);
      return 0;
    case 'status': {
      const statuses = await servicesStatus(config);
      console.log(formatStatus(statuses));
      return statuses.every((s) => s.state === 'up') ? 0 : 1;
    }
    case 'provision':
      // For a stack started elsewhere (docker compose): create the topics, the bucket and the tables.
      await provisionAll(config, console.log);
      return 0;
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
