import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import type { Rule } from './rule.interface.js';
import { validateRules, type CompileDefaults } from './rule-compiler.js';
import { RuleList } from './rule-list.js';

/** A config pattern and its rules, compiled. */
export interface PatternRules {
  /** Matches at the start of the normalised path, case-insensitively (like Python's `re.match`). */
  regex: RegExp;
  list: RuleList;
}

/**
 * Validates and compiles the module's `config` (regex path -> rules). Throws
 * `InvalidRateLimitConfigError` naming the pattern for an invalid regex or rule.
 */
export function compilePatterns(config: Record<string, Rule[]>, defaults: CompileDefaults): PatternRules[] {
  return Object.entries(config).map(([pattern, rules]) => {
    const label = `pattern "${pattern}" in RateLimitModule config`;
    let regex: RegExp;
    try {
      new RegExp(pattern, 'i'); // reports errors against the pattern as written
      regex = new RegExp(`^(?:${pattern})`, 'i');
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
      throw new InvalidRateLimitConfigError(`Invalid pattern "${pattern}" in RateLimitModule config: ${reason}`);
    }
    validateRules(rules, label);
    return { regex, list: new RuleList({ kind: 'pattern', id: pattern, label }, rules, defaults) };
  });
}
