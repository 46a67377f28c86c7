import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, availableParallelism, totalmem, release } from 'node:os';

/** Where and with what a run was measured. */
export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  redis: string;
  /** Installed versions of the packages compared. */
  packages: Record<string, string>;
  /** Load average at the start (1, 5, 15 min): the machine may be shared. */
  loadAverage: number[];
}

const PACKAGES = [
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  '@nestjs/throttler',
  '@nest-lab/throttler-storage-redis',
  'ioredis',
  'autocannon',
  'tinybench',
];

function installedVersion(root: string, name: string): string {
  try {
    return JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

export function describeMachine(root: string, redisVersion: string): Machine {
  let nproc = availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // keep Node's count
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    redis: redisVersion,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, installedVersion(root, name)])),
    loadAverage: loadAverage(),
  };
}
