import type { INestApplication } from '@nestjs/common';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts the app on an ephemeral port of 127.0.0.1 and returns its base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Keeps connections open between raw requests (the apps under test close them on shutdown). */
const agent = new Agent({ keepAlive: true });

/** What a raw request got back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Sends `GET <target>` exactly as written (no client-side normalisation of `//`, dot segments or
 * case; an absolute-form target like `http://localhost/x` is sent as is) to a listening app.
 */
export function rawGet(baseUrl: string, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: 'GET', path: target, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
