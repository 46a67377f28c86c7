import { compileRule, type CompileDefaults, type CompiledRule, type RuleSource } from './rule-compiler.js';
import type { Rule } from './rule.interface.js';

/** The group of a catch-all rule. */
const ANY_GROUP = '*';
/** Selections remembered per list; beyond this many (group, method) pairs they are recomputed. */
const MAX_MEMO = 1024;

/**
 * One list of rules from one source (a config pattern, a route, a service scope), compiled once.
 * `select` returns the FIRST rule for a group and method, as asgi-ratelimit does.
 */
export class RuleList {
  readonly rules: readonly CompiledRule[];
  private readonly memo = new Map<string, Map<string, CompiledRule | null>>();
  private memoSize = 0;
  /** The last `select` and its answer. */
  private lastGroup: string | undefined = undefined;
  private lastMethod: string | undefined = undefined;
  private lastRule: CompiledRule | undefined = undefined;

  constructor(
    readonly source: RuleSource,
    rules: readonly Rule[],
    defaults: CompileDefaults,
  ) {
    this.rules = rules.map((rule, index) => compileRule(rule, source, defaults, index));
  }

  /**
   * The first rule whose group is `group` or `'*'` (the catch-all: any group no earlier rule
   * selected) and whose method is `*` or `method` (upper case). A GET rule also covers HEAD, which
   * frameworks route to GET handlers.
   */
  select(group: string, method: string): CompiledRule | undefined {
    // The last selection first: a route's callers are mostly of one group and method, and two
    // string comparisons (usually of the same constants) touch nothing but this list.
    if (group === this.lastGroup && method === this.lastMethod) return this.lastRule;
    const rule = this.memoised(group, method);
    this.lastGroup = group;
    this.lastMethod = method;
    this.lastRule = rule;
    return rule;
  }

  private memoised(group: string, method: string): CompiledRule | undefined {
    // By group, then method: no key string built per request (both are usually constants with a cached hash).
    let byMethod = this.memo.get(group);
    let rule = byMethod?.get(method);
    if (rule === undefined) {
      rule =
        this.rules.find(
          (candidate) =>
            (candidate.group === group || candidate.group === ANY_GROUP) &&
            (candidate.method === '*' ||
              candidate.method === method ||
              (method === 'HEAD' && candidate.method === 'GET')),
        ) ?? null;
      if (this.memoSize < MAX_MEMO) {
        if (byMethod === undefined) this.memo.set(group, (byMethod = new Map()));
        byMethod.set(method, rule);
        this.memoSize++;
      }
    }
    return rule ?? undefined;
  }
}
