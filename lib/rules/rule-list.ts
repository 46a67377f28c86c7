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
  private readonly memo = new Map<string, CompiledRule | null>();

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
    const memoKey = `${group}\u0000${method}`;
    let rule = this.memo.get(memoKey);
    if (rule === undefined) {
      rule =
        this.rules.find(
          (candidate) =>
            (candidate.group === group || candidate.group === ANY_GROUP) &&
            (candidate.method === '*' ||
              candidate.method === method ||
              (method === 'HEAD' && candidate.method === 'GET')),
        ) ?? null;
      if (this.memo.size < MAX_MEMO) this.memo.set(memoKey, rule);
    }
    return rule ?? undefined;
  }
}
