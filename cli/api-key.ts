/**
 * `npm run api-key -- <client name>`: makes a new API key for a client and prints it once, with the
 * `API_KEYS` entry (its name and the key's SHA-256) for the API's configuration, which never holds the
 * key itself.
 */
import { createHash, randomBytes } from 'node:crypto';

const name = process.argv[2];
if (name === undefined || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
  console.error('usage: npm run api-key -- <client name: 1-64 letters, digits, . _ ->');
  process.exit(2);
}
const key = randomBytes(32).toString('base64url');
const digest = createHash('sha256').update(key).digest('hex');
console.log(`API key for ${name} (give it to the client; it is not stored anywhere):\n  ${key}`);
console.log(`API_KEYS entry (join several with commas; append :N for a rate of N requests/s of its own):\n  ${name}:${digest}`);
