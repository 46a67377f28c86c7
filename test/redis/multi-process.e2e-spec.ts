import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisServer } from '../support/redis-harness.js';
import { transpileForNode } from './support/transpile.js';

const PROCESSES = 4;
const REQUESTS = 1000;
const BOOT_TIMEOUT_MS = 30_000;

/** Starts one app process on RedisStorage; resolves with its base URL once it listens. */
function startApp(script: string, redisPort: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, REDIS_PORT: String(redisPort) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app process not listening after ${BOOT_TIMEOUT_MS} ms:\n${output}`)),
      BOOT_TIMEOUT_MS,
    );
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /\{"port":(\d+)\}/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${line[1]}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with code ${code}:\n${output}`));
    });
  });
}

describe(`${PROCESSES} app processes sharing one Redis`, () => {
  let server: RedisServer;
  let admin: Redis;
  const children: ChildProcess[] = [];
  let urls: string[];

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = await server.client();
    const script = join(transpileForNode(['test/redis/support']), 'test/redis/support/app-process.js');
    urls = await Promise.all(Array.from({ length: PROCESSES }, () => startApp(script, server.port, children)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.stdin!.end();
          }),
      ),
    );
    admin?.disconnect();
    await server?.stop();
  });

  it(`${REQUESTS} concurrent requests spread over the ${PROCESSES} processes, limit 100: exactly 100 pass`, async () => {
    expect(new Set(urls).size).toBe(PROCESSES);
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        request(urls[i % PROCESSES])
          .get('/hundred')
          .set('x-user', 'everyone'),
      ),
    );
    const count = (status: number) => responses.filter((response) => response.status === status).length;
    expect({ 200: count(200), 429: count(429) }).toEqual({ 200: 100, 429: REQUESTS - 100 });

    const state = await admin.hgetall('ratelimit:{everyone}');
    // One fixed window: its count field holds 100 (and its reset field a time, "" the TTL's cover).
    const counts = Object.entries(state).filter(([field]) => field.endsWith('#1'));
    expect(counts.map(([, value]) => value)).toEqual(['100']);
  });
});
