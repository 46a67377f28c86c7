import { counterStates } from './support/counter-states.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { CLIENT_LIBRARIES } from '../support/redis-clients.js';
import { RedisServer } from '../support/redis-harness.js';
import { TcpGate } from '../support/tcp-gate.js';
import { commandsDuring } from './support/monitor.js';
import { transpileForNode } from './support/transpile.js';

const PROCESSES = 4;
const REQUESTS = 1000;
const BOOT_TIMEOUT_MS = 30_000;
/** ms the gate holds the clients' connections after the last process connected (< the 5 s readiness wait). */
const GATE_HOLD_MS = 2_000;
/** A reset must reach every instance within this many ms (issue 13). */
const RESET_REACH_MS = 1_000;

let script: string;
beforeAll(() => {
  script = join(transpileForNode(['test/redis/support', 'test/support']), 'test/redis/support/app-process.js');
});

/** Starts one app process on RedisStorage; resolves with its base URL once it listens. */
function startApp(kind: string, redisPort: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, REDIS_PORT: String(redisPort), REDIS_CLIENT: kind },
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

function stopApps(children: ChildProcess[]): Promise<void[]> {
  return Promise.all(
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
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passed; resolves with whether it held. */
async function within(timeoutMs: number, condition: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(CLIENT_LIBRARIES)(`${PROCESSES} app processes on $name sharing one Redis`, ({ name }) => {
  let server: RedisServer;
  let gate: TcpGate;
  let admin: Redis;
  const children: ChildProcess[] = [];
  let urls: string[];
  let listenedEarly: boolean;

  // Started together while Redis accepts connections but answers nothing (the gate holds them), as
  // when instances boot before their client is ready: with clients that do not queue
  // (`enableOfflineQueue: false` / `disableOfflineQueue`), only the wait for readiness at bootstrap
  // keeps the first requests out of the per-process fallback.
  beforeAll(async () => {
    server = await RedisServer.start();
    admin = await server.client();
    gate = await TcpGate.start(server.port);
    const listening = Promise.all(Array.from({ length: PROCESSES }, () => startApp(name, gate.port, children)));
    let all = false;
    listening.then(
      () => (all = true),
      () => {},
    );
    if (!(await within(BOOT_TIMEOUT_MS, () => gate.connections >= PROCESSES)))
      throw new Error(`only ${gate.connections} of ${PROCESSES} processes connected to Redis`);
    await within(GATE_HOLD_MS, () => all);
    listenedEarly = all;
    gate.open();
    urls = await listening;
  }, 60_000);

  afterAll(async () => {
    await stopApps(children);
    admin?.disconnect();
    await gate?.close();
    await server?.stop();
  });

  it(`started together, none listens before its client is ready; ${REQUESTS} concurrent requests over the ${PROCESSES}, limit 100: exactly 100 pass`, async () => {
    expect(listenedEarly).toBe(false);
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

    // One fixed window: its count is 100.
    const counts = Object.values(await counterStates(admin, 'ratelimit:{everyone}')).map(([count]) => count);
    expect(counts).toEqual([100]);
  });

  it(`a reset on one instance reaches the other within ${RESET_REACH_MS} ms; blocked traffic costs no Redis command`, async () => {
    const [a, b] = urls;
    const get = (url: string) => request(url).get('/strict').set('x-user', 'reset-me');
    const statuses = async (url: string, count: number) => {
      const result: number[] = [];
      for (let i = 0; i < count; i++) result.push((await get(url)).status);
      return result;
    };
    expect(await statuses(a, 3)).toEqual([200, 200, 429]); // blocked for an hour, cached in a
    expect(await statuses(b, 1)).toEqual([429]); // read from Redis, cached in b

    const blocked: number[] = [];
    const { sent } = await commandsDuring(admin, async () => {
      const hammer = (url: string) => Promise.all(Array.from({ length: 100 }, () => get(url)));
      for (const responses of await Promise.all([hammer(a), hammer(b)]))
        blocked.push(...responses.map((r) => r.status));
    });
    expect(blocked).toEqual(Array(200).fill(429));
    expect(sent.length).toBeLessThanOrEqual(200 * 0.01);

    expect((await request(a).post('/reset').set('x-user', 'reset-me')).status).toBe(201);
    const reached = await within(RESET_REACH_MS, async () => (await get(b)).status === 200);
    expect(reached).toBe(true);
    expect(await statuses(a, 2)).toEqual([200, 429]); // a forgot it too; the second hit of the minute blocks again
  });
});
