/**
 * The browser the page tests drive: Debian's `chromium`, or the one `CHROMIUM_PATH` names. When
 * Debian's is missing and this runs as root on a machine with apt, it is installed from the
 * distribution's package registry, as the services are; otherwise the error says how to install it.
 * No browser is downloaded by an npm package.
 */
import { existsSync } from 'node:fs';
import { canInstallDebianPackages, installDebianPackage } from '../debian-packages';

const DEFAULT_PATH = '/usr/bin/chromium';

/** Flags for a headless run on a machine without outside network: nothing phones home at start. */
export const HEADLESS_CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function ensureChromium(configured: string | undefined, log: (line: string) => void = console.log): Promise<string> {
  const executable = configured ?? DEFAULT_PATH;
  if (existsSync(executable)) return executable;
  const canInstall = configured === undefined && canInstallDebianPackages();
  if (!canInstall) {
    throw new Error(`no Chromium at ${executable}: install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable`);
  }
  log('Chromium is missing; installing Debian’s chromium package (once):');
  await installDebianPackage('chromium', log);
  if (!existsSync(executable)) throw new Error(`apt-get installed chromium, but ${executable} is still missing`);
  return executable;
}
