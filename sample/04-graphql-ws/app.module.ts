import { Module } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, Field, GraphQLModule, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import { RateLimit, RateLimitModule, RateLimitService } from '../../lib/index.js';

@ObjectType()
class Quote {
  @Field(() => Int) id!: number;
  @Field() text!: string;
}

const QUOTES = ['Make it work, make it right, make it fast.', 'Simplicity is prerequisite for reliability.'];

@Resolver(() => Quote)
export class QuotesResolver {
  /** 5 quotes per minute per caller, on top of the 30 GraphQL requests per minute of the config. */
  @Query(() => Quote) @RateLimit({ minute: 5 }) quote(@Args('id', { type: () => Int }) id: number): Quote {
    return { id, text: QUOTES[id % QUOTES.length] };
  }

  @Query(() => Int) count(): number {
    return QUOTES.length;
  }

  /** One new quote per second per caller, 20 per hour. */
  @Mutation(() => Int) @RateLimit({ second: 1, hour: 20 }) addQuote(@Args('text') text: string): number {
    return QUOTES.push(text) - 1;
  }
}

@WebSocketGateway({ path: '/chat' })
export class ChatGateway implements OnGatewayConnection {
  constructor(private readonly rateLimit: RateLimitService) {}

  /** Connections are not guarded by Nest: 20 per minute per caller, checked here. */
  async handleConnection(client: { disconnect(close?: boolean): void }): Promise<void> {
    const { allowed } = await this.rateLimit.limitConnection(client, 'chat-connect', { minute: 20 });
    if (!allowed) client.disconnect(true);
  }

  /** One message per second and 10 per minute per caller, across all their connections. */
  @SubscribeMessage('say') @RateLimit({ second: 1, minute: 10 }) say(
    @MessageBody() text: string,
    @ConnectedSocket() client: { id: string },
  ) {
    return { event: 'said', data: { from: client.id, text } };
  }
}

/**
 * A GraphQL API (Apollo on Express) and a socket.io gateway on one app, limited by one module:
 * callers by IP (ClientIpAuth, the default), counters in memory.
 */
@Module({
  imports: [
    RateLimitModule.forRoot({
      config: { '^/graphql': [{ minute: 30 }] }, // 30 GraphQL requests per minute, however many fields each asks
    }),
    GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, graphiql: true }),
  ],
  providers: [QuotesResolver, ChatGateway],
})
export class AppModule {}
