/**
 * HTTP from the host to the container. node:http rather than fetch, because the tests must choose the Host
 * header (Paperclip's private-hostname guard decides on it) and fetch does not let them.
 */
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

export interface HttpResponse {
  status: number;
  body: string;
  setCookies: string[];
  /** The body parsed as JSON; the caller states what it expects. */
  json(): unknown;
}

export interface HttpOptions {
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutSeconds?: number;
}

export function http(port: number, path: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { Host: options.host ?? 'localhost', ...options.headers };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers,
        timeout: (options.timeoutSeconds ?? 30) * 1000, // sign-up hashes with scrypt: >10 s on a loaded host (faults e2e)
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body,
            setCookies: res.headers['set-cookie'] ?? [],
            json: () => JSON.parse(body),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Status of /api/health for a Host header, or 0 when nothing answers yet. */
export async function healthStatus(port: number, host = 'localhost'): Promise<number> {
  try {
    return (await http(port, '/api/health', { host, timeoutSeconds: 5 })).status;
  } catch {
    return 0;
  }
}

export async function health(
  port: number,
): Promise<{ status: string; bootstrapStatus: string; bootstrapInviteActive: boolean }> {
  const res = await http(port, '/api/health');
  if (res.status !== 200) throw new Error(`/api/health answered ${res.status}: ${res.body.slice(0, 300)}`);
  return res.json() as { status: string; bootstrapStatus: string; bootstrapInviteActive: boolean };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls /api/health (Host: localhost, as fly.toml's check sends it) until it answers 200, and returns the
 * seconds since `since`. Throws after `deadlineSeconds`, or as soon as `isDead()` says the container is gone.
 */
export async function waitForHealth(
  port: number,
  since: number,
  deadlineSeconds: number,
  isDead: () => Promise<boolean> = () => Promise.resolve(false),
): Promise<number> {
  let polls = 0;
  for (;;) {
    const elapsed = (performance.now() - since) / 1000;
    if ((await healthStatus(port)) === 200) return (performance.now() - since) / 1000;
    if (elapsed > deadlineSeconds)
      throw new Error(`/api/health not 200 within ${deadlineSeconds}s (the generated deploy wait)`);
    // Checking the container every poll would cost a podman call per 250 ms; every 2 s is enough to fail fast.
    if (++polls % 8 === 0 && (await isDead())) throw new Error('the container exited before /api/health answered 200');
    await sleep(250);
  }
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Whether 127.0.0.1:port (and so the wildcard address) is free to listen on. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '0.0.0.0', () =>
      server.close(() => {
        resolve(true);
      }),
    );
  });
}
