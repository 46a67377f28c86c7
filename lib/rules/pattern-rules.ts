import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { warnConfig } from './config-warnings.js';
import type { Rule } from './rule.interface.js';
import { validateRules, type CompileDefaults } from './rule-compiler.js';
import { RuleList } from './rule-list.js';

/** A config pattern and its rules, compiled. */
export interface PatternRules {
  /** Matches at the start of the normalised path, case-insensitively (like Python's `re.match`). */
  regex: RegExp;
  list: RuleList;
}

/** A pattern that starts with a word character (after `^`): paths always start with `/`. */
const NO_LEADING_SLASH = /^\^?[\w-]/;
/** A pattern that ends with a `/` (before an optional `$`), other than the root `^/`, `/`, `^/$`. */
const TRAILING_SLASH = /[^\\^]\/\$?$/;

/**
 * Why `pattern` (valid as a regex) cannot match the paths it names, if it cannot: normalised paths
 * start with `/` and have no trailing `/`.
 */
function neverMatches(pattern: string): string | undefined {
  if (NO_LEADING_SLASH.test(pattern)) {
    const fixed = `^/${pattern.replace(/^\^/, '')}`;
    return `it can never match: paths start with "/" (write "${fixed}")`;
  }
  if (TRAILING_SLASH.test(pattern)) {
    const fixed = pattern.replace(/\/(\$?)$/, '$1');
    return pattern.endsWith('$')
      ? `it can never match: paths are matched without their trailing "/" (write "${fixed}")`
      : `paths are matched without their trailing "/", so it never matches the path it names, only paths ` +
          `below it (write "${fixed}", or "${fixed}(/|$)")`;
  }
  return undefined;
}

/**
 * Validates and compiles the module's `config` (regex path -> rules). Throws
 * `InvalidRateLimitConfigError` naming the pattern for an invalid regex or rule; warns (once, as it
 * compiles) naming a pattern that can never match a path.
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
    const problem = neverMatches(pattern);
    if (problem !== undefined) warnConfig(`The ${label} limits nothing where you may expect: ${problem}.`);
    validateRules(rules, label);
    return { regex, list: new RuleList({ kind: 'pattern', id: pattern, label }, rules, defaults) };
  });
}
