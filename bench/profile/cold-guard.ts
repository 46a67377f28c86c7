/**
 * What `RateLimitGuard.canActivate` costs with warm and with cold CPU caches (no HTTP), for one or
 * more builds of the library in one process: per round, a loop of calls back to back (warm), and a
 * loop where every call follows a sweep over `--sweep-kib` of memory (cold: about what an HTTP server
 * does to the caches between two requests), each minus the same loop without the guard. Builds
 * alternate and swap order every round; figures are medians over the rounds, ns per call.
 * As a command (after `npx tsc -p tsconfig.bench.json`):
 * `node bench/.tmp/build/bench/profile/cold-guard.js [build dir ...] [--rounds N] [--sweep-kib K]`,
 * a build dir holding `lib/index.js` (default: this build; e.g. a copy of bench/.tmp/build from before a change).
 */
import 'reflect-metadata';
import { Controller, Get, Module, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Library from '../../lib/index.js';
import { inRoundOrder, median } from '../harness/summary.js';
import { limitedCall } from '../micro/limited-call.js';
import { UNREACHABLE, userOf, USER_HEADER } from '../variants/bench.routes.js';

/** Calls per loop. */
const CALLS = 2000;
/** Rounds left out at the start (compilation, caches). */
const WARM_ROUNDS = 10;

/** One build's guard on the benchmark's `/limited` route (3 stacked limits, MemoryStorage, one hot client). */
interface Subject {
  name: string;
  guard: CanActivate;
  controller: Type<unknown>;
  warm: number[];
  cold: number[];
}

async function subjectOf(dir: string): Promise<Subject> {
  const lib = (await import(pathToFileURL(resolve(dir, 'lib/index.js')).href)) as typeof Library;
  @Controller()
  @lib.RateLimit({ second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE })
  class LimitedController {
    @Get('limited') limited(): string {
      return 'ok';
    }
  }
  @Module({
    imports: [
      lib.RateLimitModule.forRoot({
        guard: false,
        storage: new lib.MemoryStorage(),
        auth: (context: ExecutionContext) => ({ user: userOf(lib.requestOf(context)) }),
      }),
    ],
    controllers: [LimitedController],
    providers: [lib.RateLimitGuard],
  })
  class GuardModule {}
  const app = await NestFactory.createApplicationContext(GuardModule, { logger: false });
  return { name: dir, guard: app.get(lib.RateLimitGuard), controller: LimitedController, warm: [], cold: [] };
}

const headers = { [USER_HEADER]: 'hot-client' };

/** A new context per call, as Nest creates per request. */
const contextOf = (controller: Type<unknown>): ExecutionContext => limitedCall(controller, headers);

/** CPU ns per iteration of `step`, over `calls` iterations. */
function nsPer(calls: number, step: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) step();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    return at === -1 ? fallback : Number(args.splice(at, 2)[1]);
  };
  const rounds = flag('--rounds', 100);
  const sweepKib = flag('--sweep-kib', 512);
  const dirs = args.length > 0 ? args : [resolve(import.meta.dirname, '../..')];
  const subjects: Subject[] = [];
  for (const dir of dirs) subjects.push(await subjectOf(dir));

  const memory = new Float64Array((sweepKib * 1024) / 8);
  let sink = 0;
  const sweep = () => {
    for (let i = 0; i < memory.length; i += 8) sink += memory[i]; // one read per 64-byte line
  };
  const { controller } = subjects[0];
  for (let round = 0; round < rounds; round++) {
    const coldBase = nsPer(CALLS, () => {
      sweep();
      sink += contextOf(controller) === undefined ? 0 : 1;
    });
    const warmBase = nsPer(CALLS * 10, () => {
      sink += contextOf(controller) === undefined ? 0 : 1;
    });
    for (const subject of inRoundOrder(subjects, round + 1)) {
      const call = () => {
        sink += subject.guard.canActivate(contextOf(subject.controller)) === true ? 1 : 0;
      };
      subject.cold.push(
        nsPer(CALLS, () => {
          sweep();
          call();
        }) - coldBase,
      );
      subject.warm.push(nsPer(CALLS * 10, call) - warmBase);
    }
  }
  if (sink < 0) console.log(sink);
  for (const { name, warm, cold } of subjects) {
    const [warmNs, coldNs] = [warm, cold].map((values) => Math.round(median(values.slice(WARM_ROUNDS))));
    console.log(JSON.stringify({ build: name, warmNs, coldNs, sweepKib, rounds }));
  }
}

await main();
