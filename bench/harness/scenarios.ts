import type { AutocannonRequest } from 'autocannon';
import { ROUTES, USER_HEADER } from '../variants/bench.routes.js';

/** Distinct clients of the `keys` scenario: 10,000 unless `--keys` says otherwise. */
export const keysScenario = { distinct: 10_000 };

export const SCENARIO_NAMES = ['stacked', 'blocked', 'keys'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** A load pattern, the same for every variant. */
export interface Scenario {
  name: ScenarioName;
  label: string;
  /** Status every response of a limiter variant should have (the bare app always answers 200). */
  limitedStatus: 200 | 429;
  /** Autocannon requests for one measurement (fresh per measurement: they may hold a counter). */
  requests(): AutocannonRequest[];
}

const fixedClient = (path: string, user: string): AutocannonRequest[] => [
  { method: 'GET', path, headers: { [USER_HEADER]: user } },
];

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  stacked: {
    name: 'stacked',
    label: 'one client, 3 stacked limits (second, minute, hour), nothing rejected',
    limitedStatus: 200,
    requests: () => fixedClient(ROUTES.limited, 'hot-client'),
  },
  blocked: {
    name: 'blocked',
    label: 'one blocked client, every request rejected (429)',
    limitedStatus: 429,
    requests: () => fixedClient(ROUTES.blocked, 'blocked-client'),
  },
  keys: {
    name: 'keys',
    get label() {
      return `${keysScenario.distinct.toLocaleString('en')} distinct clients in turn, 3 stacked limits, nothing rejected`;
    },
    limitedStatus: 200,
    requests: () => {
      let next = 0;
      return [
        {
          method: 'GET',
          path: ROUTES.limited,
          setupRequest: (request) => {
            const user = `user-${next}`;
            next = (next + 1) % keysScenario.distinct;
            return { ...request, headers: { ...request.headers, [USER_HEADER]: user } };
          },
        },
      ];
    },
  },
};

export const isScenarioName = (name: string): name is ScenarioName =>
  (SCENARIO_NAMES as readonly string[]).includes(name);
