import { isPromise, type MaybePromise } from '../utils/maybe-promise.js';
import type { RateLimitInfo } from './rate-limit-info.interface.js';
import type { RuleList } from './rule-list.js';

const COUNTED = true;
const isPattern = (list: RuleList): boolean => list.source.kind === 'pattern';
const notPattern = (list: RuleList): boolean => list.source.kind !== 'pattern';

/**
 * Whether `lists` hold a config pattern's list. All calls of one HTTP request have the same pattern
 * lists (patterns match its path), so calls without any need no `PatternHits` bookkeeping.
 */
export const hasPatterns = (lists: readonly RuleList[]): boolean => lists.some(isPattern);

/**
 * Config patterns counted once per HTTP request where one request runs several guarded handlers
 * (GraphQL resolvers, each guarded). The first call whose lists include patterns counts them with
 * its own rules, in one storage call; calls of the same request wait while it is in flight; once one
 * is admitted, later calls leave the patterns out. A rejected call counts nothing (the storage call
 * is atomic), so the next call of the request tries the patterns again: one hit per request that
 * ran any limited resolver, and every call is rejected while a pattern has no room.
 */
export class PatternHits {
  private readonly requests = new WeakMap<object, typeof COUNTED | Promise<unknown>>();

  /** Runs `limit` on `lists`, without the pattern lists once `request` counted them. */
  limit<T extends RateLimitInfo | undefined>(
    request: object,
    lists: readonly RuleList[],
    limit: (lists: readonly RuleList[]) => MaybePromise<T>,
  ): MaybePromise<T> {
    const state = this.requests.get(request);
    if (state === COUNTED) return limit(lists.filter(notPattern));
    if (state !== undefined) return state.then(() => this.limit(request, lists, limit));
    if (!hasPatterns(lists)) return limit(lists);
    const answer = limit(lists);
    if (!isPromise(answer)) {
      if (answer?.allowed) this.requests.set(request, COUNTED);
      return answer;
    }
    const settle = (counted: boolean) => {
      if (counted) this.requests.set(request, COUNTED);
      else this.requests.delete(request);
    };
    this.requests.set(
      request,
      answer.then(
        (info) => settle(info?.allowed === true),
        () => settle(false),
      ),
    );
    return answer;
  }
}
