import type { Redis } from 'ioredis';

/**
 * One script call as `commandsDuring` lists it: EVALSHA, or EVAL the first time a storage runs a
 * script (which loads it); either way one command.
 */
export const SCRIPT_CALL = expect.stringMatching(/^eval(sha)?$/);

/**
 * Redis commands sent per request, seen by Redis itself: MONITOR lists every command with its source
 * (a client address, or `lua` for the script's own calls), INFO commandstats counts them.
 */
export async function commandsDuring(
  admin: Redis,
  action: () => Promise<void>,
): Promise<{ sent: string[]; evalsha: number }> {
  const monitor = await admin.monitor(); // its own connection, closed below
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args.map(String));
  });
  const marker = async (name: string) => {
    await admin.echo(name);
    for (let i = 0; !seen.some((args) => args[1] === name); i++) {
      if (i === 1000) throw new Error(`MONITOR did not report ECHO ${name} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  try {
    await marker('measure-start');
    await admin.config('RESETSTAT');
    await action();
    const stats = String(await admin.info('commandstats'));
    await marker('measure-end');
    const start = seen.findIndex((args) => args[1] === 'measure-start');
    const end = seen.findIndex((args) => args[1] === 'measure-end');
    const sent = seen
      .slice(start + 1, end)
      .map((args) => args[0].toLowerCase())
      .filter((name) => name !== 'config' && name !== 'info');
    const evalsha = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    return { sent, evalsha };
  } finally {
    monitor.disconnect();
  }
}
