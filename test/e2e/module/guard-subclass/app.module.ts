// Everything here comes from the package's public entry, as a user's subclass would import it.
import { Controller, Get, Injectable, Module, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectRateLimitIdentify,
  InjectRateLimitPatterns,
  InjectRateLimitSettings,
  InjectRateLimitStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitModule,
  RateLimitService,
  type CompiledRule,
  type ContextKind,
  type IdentifyFunction,
  type Identity,
  type PatternRules,
  type RateLimitInfo,
  type RateLimitStorage,
  type ResolvedRateLimitOptions,
  type RouteRateLimit,
  type RuleList,
} from '../../../../lib/index.js';
import { headerAuth } from '../../../support/header-auth.js';

/**
 * A guard subclass using every protected step a subclass is likely to touch: internal calls skip
 * every list, `vip` callers are limited by the default group's rules when no list has a `vip` rule,
 * and responses name the lists that applied.
 */
@Injectable()
export class TenantRateLimitGuard extends RateLimitGuard {
  /** The instance Nest built last (the test checks what was injected into it). */
  static last?: TenantRateLimitGuard;

  constructor(
    reflector: Reflector,
    service: RateLimitService,
    @InjectRateLimitSettings() settings: ResolvedRateLimitOptions,
    @InjectRateLimitPatterns() patterns: PatternRules[],
    @InjectRateLimitIdentify() identifyCaller: IdentifyFunction,
    @InjectRateLimitStorage() readonly storage: RateLimitStorage,
  ) {
    super(reflector, service, settings, patterns, identifyCaller);
    TenantRateLimitGuard.last = this;
  }

  protected override ruleLists(request: any, route: RouteRateLimit): RuleList[] {
    if (request.headers['x-internal'] === 'yes') return [];
    const lists = super.ruleLists(request, route);
    request.appliedLists = lists.map((list) => list.source.label);
    return lists;
  }

  protected override selectRules(
    lists: readonly RuleList[],
    identity: Required<Identity>,
    method: string,
  ): CompiledRule[] {
    const rules = super.selectRules(lists, identity, method);
    if (identity.group !== 'vip' || rules.length > 0) return rules;
    return super.selectRules(lists, { ...identity, group: 'default' }, method);
  }

  protected override respond(context: ExecutionContext, info: RateLimitInfo, kind?: ContextKind) {
    const request = context.switchToHttp().getRequest();
    const response = context.switchToHttp().getResponse();
    const value = request.appliedLists.join('; ');
    if (typeof response.setHeader === 'function') response.setHeader('X-Limited-By', value);
    else response.header('X-Limited-By', value);
    return super.respond(context, info, kind);
  }
}

@Controller()
export class TenantController {
  @Get('reports') @RateLimit({ minute: 2 }) reports() {
    return 'reports';
  }
}

@Module({})
export class GuardSubclassAppModule {
  static register(storage: RateLimitStorage): DynamicModule {
    return {
      module: GuardSubclassAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth: headerAuth(),
          storage,
          guard: TenantRateLimitGuard,
          config: { '^/reports': [{ group: 'admin' }, { minute: 3 }] },
        }),
      ],
      controllers: [TenantController],
    };
  }
}
