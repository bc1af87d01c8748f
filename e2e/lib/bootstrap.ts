/**
 * Finishing Paperclip's first-admin bootstrap over HTTP, as a person would in the browser: sign up, then
 * accept the invite start.sh printed. Requests carry the Host and Origin of the invite URL's site (what
 * `tailscale serve` or `fly proxy` would deliver), since Better Auth checks the Origin of every POST.
 */
import { http, type HttpResponse } from './http.js';

export interface Admin {
  email: string;
  password: string;
}

export function cookieHeader(responses: HttpResponse[]): string {
  const jar = new Map<string, string>();
  for (const res of responses) {
    for (const cookie of res.setCookies) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Signs up `admin` and accepts the bootstrap invite; throws with the server's answer at the failing step. */
export async function completeBootstrap(port: number, inviteUrl: string, admin: Admin): Promise<void> {
  const site = new URL(inviteUrl);
  const token = site.pathname.split('/').pop()!;
  const headers = { Origin: site.origin };
  const host = site.host;
  const expect = (step: string, res: HttpResponse, ok: number[]) => {
    if (!ok.includes(res.status)) throw new Error(`${step}: HTTP ${res.status} ${res.body.slice(0, 500)}`);
  };

  const invite = await http(port, `/api/invites/${token}`, { host, headers });
  expect('GET invite', invite, [200]);

  const signUp = await http(port, '/api/auth/sign-up/email', {
    method: 'POST',
    host,
    headers,
    body: { email: admin.email, password: admin.password, name: 'E2E Admin' },
    // Password hashing right after a (re)start is slow on a loaded host: 10 s was seen to run out.
    timeoutSeconds: 60,
  });
  expect('sign-up', signUp, [200]);
  const cookie = cookieHeader([signUp]);
  if (!cookie) throw new Error('sign-up set no session cookie');

  const accept = await http(port, `/api/invites/${token}/accept`, {
    method: 'POST',
    host,
    headers: { ...headers, Cookie: cookie },
    body: { requestType: 'human' },
  });
  expect('accept invite', accept, [200, 201, 202]);
}

/** Better Auth's email sign-in with the site's Host and Origin; the response carries the session cookie. */
export function signInResponse(port: number, siteUrl: string, admin: Admin): Promise<HttpResponse> {
  const site = new URL(siteUrl);
  return http(port, '/api/auth/sign-in/email', {
    method: 'POST',
    host: site.host,
    headers: { Origin: site.origin },
    body: { email: admin.email, password: admin.password },
  });
}

/** Signs in again with the admin's password: the account, not only the bootstrap flag, survived. */
export async function signIn(port: number, siteUrl: string, admin: Admin): Promise<number> {
  return (await signInResponse(port, siteUrl, admin)).status;
}
