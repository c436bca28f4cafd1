/**
 * The browser the page tests drive: Debian's `chromium`, or the one `CHROMIUM_PATH` names. When
 * Debian's is missing and this runs as root on a machine with apt, it is installed from the
 * distribution's package registry, as the services are; otherwise the error says how to install it.
 * No browser is downloaded by an npm package.
 */
import { existsSync } from 'node:fs';
import { ensureDebianExecutable } from '../debian-packages';

const DEFAULT_PATH = '/usr/bin/chromium';

/** Flags for a headless run on a machine without outside network: nothing phones home at start. */
export const HEADLESS_CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function ensureChromium(configured: string | undefined, log: (line: string) => void = console.log): Promise<string> {
  const otherwise = ' or set CHROMIUM_PATH to a Chromium or Chrome executable';
  // A configured browser is the caller's: never replaced by installing Debian's.
  if (configured !== undefined && !existsSync(configured)) throw new Error(`no Chromium at ${configured}: install Debian's package (sudo apt-get install chromium)${otherwise}`);
  return ensureDebianExecutable('chromium', configured ?? DEFAULT_PATH, log, otherwise);
}
