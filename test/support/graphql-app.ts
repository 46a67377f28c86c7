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

export const GRAPHQL_SERVERS: GraphQLServer[] = [
  {
    name: 'apollo-express',
    platform: 'express',
    graphql: ({ subscriptions } = {}) =>
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        graphiql: false,
        fieldResolverEnhancers: ['guards'], // guards (so limits) on @ResolveField too
        allowBatchedHttpRequests: true,
        ...(subscriptions ? { subscriptions: { 'graphql-ws': true } } : {}),
      }),
  },
  {
    name: 'apollo-fastify',
    platform: 'fastify',
    graphql: ({ subscriptions } = {}) =>
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        graphiql: false,
        fieldResolverEnhancers: ['guards'], // guards (so limits) on @ResolveField too
        context: (request: unknown, reply: unknown) => ({ request, reply }), // the README's Fastify setting
        ...(subscriptions ? { subscriptions: { 'graphql-ws': true } } : {}),
      }),
  },
  {
    name: 'mercurius',
    platform: 'fastify',
    graphql: ({ subscriptions } = {}) =>
      GraphQLModule.forRoot<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        autoSchemaFile: true,
        graphiql: false,
        fieldResolverEnhancers: ['guards'], // guards (so limits) on @ResolveField too
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
