import type { ModelServer } from '../../domain/ports';

/** The API refused the reload for a reason retrying cannot fix (a wrong token, an unknown version). */
export class ReloadRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReloadRejectedError';
  }
}

/** The API's model endpoints over HTTP: `POST /reload` with the bearer token, `GET /models/current`. */
export class HttpModelServer implements ModelServer {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async reload(version?: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, ...(version === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(version === undefined ? {} : { body: JSON.stringify({ version }) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.ok) return;
    const detail = await response.text();
    const message = `POST /reload answered ${response.status}: ${detail.slice(0, 500)}`;
    if ([400, 401, 403, 404, 422].includes(response.status)) throw new ReloadRejectedError(message);
    throw new Error(message);
  }

  async servedVersion(): Promise<string | undefined> {
    const response = await fetch(`${this.baseUrl}/models/current`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status === 503 || response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET /models/current answered ${response.status}`);
    const body = (await response.json()) as { version?: string };
    return body.version;
  }
}
