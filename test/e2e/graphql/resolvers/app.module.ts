import type { ModuleMetadata } from '@nestjs/common';
import {
  Args,
  Field,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { PubSub } from 'graphql-subscriptions';
import {
  MemoryStorage,
  RateLimit,
  RateLimitModule,
  SkipRateLimit,
  type RateLimitModuleOptions,
} from '../../../../lib/index.js';

/** Published to by the tests; every subscription of `ticks` gets it. */
export const PUBSUB = new PubSub();

@Resolver()
export class ItemsResolver {
  /** Two calls per minute per user; admins are never limited. */
  @Query(() => String) @RateLimit({ minute: 2 }, { group: 'admin' }) limited(): string {
    return 'ok';
  }

  @Query(() => String) free(): string {
    return 'ok';
  }

  @Query(() => String, { nullable: true }) a(): string {
    return 'a';
  }

  @Query(() => String, { nullable: true }) b(): string {
    return 'b';
  }

  @Query(() => String, { nullable: true }) c(): string {
    return 'c';
  }

  /** Exempt from the config patterns too. */
  @Query(() => String) @SkipRateLimit() unlimited(): string {
    return 'ok';
  }

  @Mutation(() => Int) @RateLimit({ minute: 1 }) vote(@Args('value', { type: () => Int }) value: number): number {
    return value;
  }

  /** One subscription start per minute per user. */
  @Subscription(() => String) @RateLimit({ minute: 1 }) ticks() {
    return PUBSUB.asyncIterableIterator('ticks');
  }
}

@Resolver()
export class OtherResolver {
  /** Same class-less limit as `limited`, on another resolver: its own counter. */
  @Query(() => String) @RateLimit({ minute: 2 }) otherLimited(): string {
    return 'ok';
  }
}

@ObjectType()
export class Book {
  @Field() title!: string;
}

@Resolver(() => Book)
export class BooksResolver {
  @Query(() => [Book]) books(): Book[] {
    return [{ title: 'a' }, { title: 'b' }, { title: 'c' }];
  }

  /** A field resolver: limited per call (once per book) where the app enables guards for field resolvers. */
  @ResolveField(() => String, { nullable: true }) @RateLimit({ minute: 2 }) price(@Parent() book: Book): string {
    return `${book.title}-9`;
  }
}

/** The GraphQL scenario's module (the GraphQLModule is added per server). */
export function graphqlScenario(options: RateLimitModuleOptions = {}): ModuleMetadata {
  return {
    imports: [RateLimitModule.forRoot({ storage: new MemoryStorage(), ...options })],
    providers: [ItemsResolver, OtherResolver, BooksResolver],
  };
}
