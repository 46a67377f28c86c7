import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { createApp, http, type Platform } from './app.js';

/** The GraphQL servers every GraphQL scenario runs on (`describe.each(GRAPHQL_SERVERS)`). */
export interface GraphQLServer {
  name: 'apollo-express' | 'apollo-fastify' | 'mercurius';
  platform: Platform;
  /** The GraphQLModule of this server, with what its driver needs to pass the HTTP response on. */
  graphql(options?: { subscriptions?: boolean }): NonNullable<ModuleMetadata['imports']>[number];
}

/** What every scenario's GraphQLModule shares: an in-memory schema, no IDE, guards on field resolvers too. */
const COMMON = { autoSchemaFile: true, graphiql: false, fieldResolverEnhancers: ['guards'] as 'guards'[] };

/** Apollo's GraphQLModule, with `extra` options (the Fastify context setting). */
const apollo =
  (extra: Partial<ApolloDriverConfig> = {}): GraphQLServer['graphql'] =>
  ({ subscriptions } = {}) =>
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      ...COMMON,
      ...extra,
      ...(subscriptions ? { subscriptions: { 'graphql-ws': true } } : {}),
    });

export const GRAPHQL_SERVERS: GraphQLServer[] = [
  { name: 'apollo-express', platform: 'express', graphql: apollo({ allowBatchedHttpRequests: true }) },
  {
    name: 'apollo-fastify',
    platform: 'fastify',
    // the README's Fastify setting, so that headers reach the reply
    graphql: apollo({ context: (request: unknown, reply: unknown) => ({ request, reply }) }),
  },
  {
    name: 'mercurius',
    platform: 'fastify',
    graphql: ({ subscriptions } = {}) =>
      GraphQLModule.forRoot<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        ...COMMON,
        ...(subscriptions ? { subscription: true } : {}),
      }),
  },
];

/** Boots `metadata` with the GraphQLModule of `server`. */
export function createGraphQLApp(
  server: GraphQLServer,
  metadata: ModuleMetadata,
  options?: { subscriptions?: boolean },
): Promise<INestApplication> {
  return createApp(server.platform, { ...metadata, imports: [server.graphql(options), ...(metadata.imports ?? [])] });
}

/** POSTs `query` to /graphql with `headers`. */
export const gql = (app: INestApplication, query: string, headers: Record<string, string> = {}) =>
  http(app).post('/graphql').set(headers).send({ query });
