/**
 * Diagnostic variants (not in the default run; `--variants phases` or `phases-ab`, `stacked` scenario):
 * one process whose global guard switches what it does every BENCH_PHASE_MS (default 40) ms, in a
 * fixed cycle, recording the process's CPU time, requests and GC time per phase. Phases next to each
 * other in one process see the same load on the machine, so the median over cycles of a stage's CPU
 * per request minus the reference stage's in the same cycle resolves differences of about 1 µs per
 * request, where separate processes differ by ±15 % on this VM. At exit the samples go to
 * bench/.tmp/phases/<variant>-<platform>-<pid>.json; `bench/profile/phases.ts` summarises them.
 *
 * - `phases`: the guard's steps one by one (PROFILE.md "Where the in-process cost is"): `none` (a
 *   synchronous guard that returns at once), `control` (the control variant's async guard and its two
 *   constant headers), `control-counts` (the same guard writing counts that change per request into
 *   `RateLimit`), then RateLimitGuard's steps cumulatively, each returning right after it:
 *   `identify` (route metadata, rule lists, auth), `select` (rules and plan), `consume` (the
 *   storage call alone), `report` (the engine: storage and `RateLimitInfo`), `const-headers` (the
 *   same, then the control's two constant headers), `counts` (the same, then the two headers with
 *   the engine's counts, built inline: the least the guard could do to write them), `small-counts`
 *   (the same with counts below 1000, which V8's number-string cache holds), `full` (the guard as
 *   shipped).
 * - `phases-ab`: `none`, `control`, then the whole guard of two builds of lib/: `A` from
 *   BENCH_AB_BASE (default bench/.tmp/base/lib/index.js, e.g. a copy of bench/.tmp/build made before
 *   a change) and `B` from this build.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  Controller,
  Get,
  type CanActivate,
  type ExecutionContext,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PerformanceObserver } from 'node:perf_hooks';
import { BODY, UNREACHABLE, userOfContext } from './bench.routes.js';

/** One phase: CPU µs of the process and requests that reached the guard. */
interface PhaseSample {
  cpu: number;
  requests: number;
}

/** What a diagnostic process writes at exit. */
export interface PhaseRecord {
  variant: string;
  platform: string;
  phaseMs: number;
  /** Per stage, its phases in cycle order. */
  samples: Record<string, PhaseSample[]>;
  /** Per stage, ms of garbage collection during its phases. */
  gcMs: Record<string, number>;
}

const LIMITS = { second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE };
const POLICY = '"second";q=1000000000;w=1, "minute";q=1000000000;w=60, "hour";q=1000000000;w=3600';
const STATE = '"second";r=999999999;t=1, "minute";r=999999999;t=60, "hour";r=999999999;t=3600';

/** The two headers, with `state` as the `RateLimit` value, on an Express response or a Fastify reply. */
function headersWith(context: ExecutionContext, policy: string, state: string): void {
  const response = context.getArgByIndex(1);
  if (typeof response.setHeader === 'function') {
    response.setHeader('RateLimit-Policy', policy);
    response.setHeader('RateLimit', state);
  } else {
    response.header('ratelimit-policy', policy);
    response.header('ratelimit', state);
  }
}

/** The control variant's two headers (constant strings). */
const constantHeaders = (context: ExecutionContext): void => headersWith(context, POLICY, STATE);

/** The control variant's guard. */
async function control(context: ExecutionContext): Promise<boolean> {
  constantHeaders(context);
  return true;
}

/** A count that changes on every request, as a limiter's `remaining` does. */
let countdown = UNREACHABLE;

/**
 * The control variant's guard, writing a `RateLimit` value with counts that change per request
 * (built as the library builds it: prefix, count, `;t=` suffix per member) instead of a constant.
 */
async function controlWithCounts(context: ExecutionContext): Promise<boolean> {
  const left = --countdown;
  headersWith(
    context,
    POLICY,
    '"second";r=' + left + ';t=1, "minute";r=' + left + ';t=60, "hour";r=' + left + ';t=3600',
  );
  return true;
}

/** The `RateLimit` value of `info`'s limits, built inline; `small`: each count modulo 1000. */
function countsOf(info: any, policy: any, small: boolean): string {
  let state = '';
  for (let i = 0; i < info.limits.length; i++) {
    const { remaining, reset } = info.limits[i];
    const prefix = i === 0 ? policy.prefixes[i] : policy.separatedPrefixes[i];
    state += prefix + (small ? remaining % 1000 : remaining) + ';t=' + reset;
  }
  return state;
}

/** Switches `stage` through `stages` every phase, recording each phase; written at process exit. */
class PhaseClock {
  stage: string;
  requests = 0;
  private readonly record: PhaseRecord;

  constructor(variant: string, stages: readonly string[]) {
    const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 40);
    const platform = process.argv[3] ?? 'unknown';
    this.record = { variant, platform, phaseMs, samples: {}, gcMs: {} };
    this.stage = stages[0];
    let index = 0;
    let last = process.cpuUsage();
    let lastRequests = 0;
    setInterval(() => {
      const now = process.cpuUsage();
      const cpu = now.user + now.system - last.user - last.system;
      (this.record.samples[this.stage] ??= []).push({ cpu, requests: this.requests - lastRequests });
      last = now;
      lastRequests = this.requests;
      index = (index + 1) % stages.length;
      this.stage = stages[index];
    }, phaseMs).unref();
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.record.gcMs[this.stage] = (this.record.gcMs[this.stage] ?? 0) + entry.duration;
      }
    }).observe({ entryTypes: ['gc'] });
    process.on('exit', () => {
      const dir = resolve('bench/.tmp/phases');
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/${variant}-${platform}-${process.pid}.json`, JSON.stringify(this.record));
    });
  }
}

/** The routes of the diagnostic apps: `/limited` with the benchmark's three limits in every given copy of lib/. */
function limitedController(libraries: readonly any[]): Type {
  @Controller()
  class PhasesController {
    @Get('limited') limited(): string {
      return BODY;
    }
  }
  for (const lib of libraries) lib.RateLimit(LIMITS)(PhasesController);
  return PhasesController;
}

const moduleOptions = (lib: any) => ({
  guard: false,
  storage: new lib.MemoryStorage(),
  auth: (context: ExecutionContext) => ({ user: userOfContext(context) }),
});

const STEPS = [
  'none',
  'control',
  'control-counts',
  'identify',
  'select',
  'consume',
  'report',
  'const-headers',
  'counts',
  'small-counts',
  'full',
] as const;

/** `phases`: RateLimitGuard's steps one by one, as listed above. */
export async function phasesVariant(): Promise<ModuleMetadata> {
  const lib: any = await import('../../lib/index.js');
  const { contextKindOf } = await import('../../lib/contexts/contexts.js');
  const clock = new PhaseClock('phases', STEPS);

  class StepsGuard implements CanActivate {
    constructor(private readonly guard: any) {}

    canActivate(context: ExecutionContext): boolean | Promise<boolean> {
      clock.requests++;
      const stage = clock.stage;
      if (stage === 'none') return true;
      if (stage === 'control') return control(context);
      if (stage === 'control-counts') return controlWithCounts(context);
      if (stage === 'full') return this.guard.canActivate(context);
      // RateLimitGuard's steps (its protected hooks and its service), in its order.
      const { guard } = this;
      const kind = contextKindOf(context)!;
      const request = kind.request(context);
      const lists = guard.ruleLists(request, guard.routeRateLimit(context), true);
      const identity = guard.identify(context, kind);
      if (stage === 'identify') return identity !== undefined;
      const plan = guard.service.planFor(guard.selectRules(lists, identity, kind.method(context, request)));
      if (stage === 'select') return plan !== undefined;
      if (stage === 'consume') {
        const result = guard.service.storage.consume({
          identityKey: guard.service.identityKeys.of(identity.user, identity.namespace),
          limits: plan.checks,
          blocks: plan.blocks,
          costs: plan.costs,
        });
        return result.allowed;
      }
      const info = guard.service.limitByPlan(identity, plan, false, context);
      if (stage === 'const-headers') constantHeaders(context);
      if (stage === 'counts' || stage === 'small-counts') {
        headersWith(context, plan.policy.policy, countsOf(info, plan.policy, stage === 'small-counts'));
      }
      return info.allowed;
    }
  }

  return {
    imports: [lib.RateLimitModule.forRoot(moduleOptions(lib))],
    controllers: [limitedController([lib])],
    providers: [
      lib.RateLimitGuard,
      { provide: APP_GUARD, useFactory: (guard: unknown) => new StepsGuard(guard), inject: [lib.RateLimitGuard] },
    ],
  };
}

/** `phases-ab`: the whole guard of two builds of lib/ in one process, as listed above. */
export async function phasesAbVariant(): Promise<ModuleMetadata> {
  const A: any = await import(pathToFileURL(resolve(process.env.BENCH_AB_BASE ?? 'bench/.tmp/base/lib/index.js')).href);
  const B: any = await import('../../lib/index.js');
  const clock = new PhaseClock('phases-ab', ['none', 'control', 'A', 'B']);

  class AbGuard implements CanActivate {
    constructor(
      private readonly a: CanActivate,
      private readonly b: CanActivate,
    ) {}

    canActivate(context: ExecutionContext) {
      clock.requests++;
      const stage = clock.stage;
      if (stage === 'none') return true;
      if (stage === 'control') return control(context);
      return (stage === 'A' ? this.a : this.b).canActivate(context);
    }
  }

  return {
    imports: [A.RateLimitModule.forRoot(moduleOptions(A)), B.RateLimitModule.forRoot(moduleOptions(B))],
    controllers: [limitedController([A, B])],
    providers: [
      A.RateLimitGuard,
      B.RateLimitGuard,
      {
        provide: APP_GUARD,
        useFactory: (a: CanActivate, b: CanActivate) => new AbGuard(a, b),
        inject: [A.RateLimitGuard, B.RateLimitGuard],
      },
    ],
  };
}
