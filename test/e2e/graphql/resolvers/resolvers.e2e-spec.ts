import type { INestApplication } from '@nestjs/common';
import { createJwtAuth, type RateLimitDecision } from '../../../../lib/index.js';
import { http } from '../../../support/app.js';
import { createGraphQLApp, gql, GRAPHQL_SERVERS } from '../../../support/graphql-app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { bearer, hs256, SECRET } from '../../../support/tokens.js';
import { graphqlScenario } from './app.module.js';

describe.each(GRAPHQL_SERVERS)('GraphQL resolvers on $name', (server) => {
  describe('resolver rules', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createGraphQLApp(server, graphqlScenario({ auth: headerAuth() }));
    });
    afterAll(() => app.close());

    it('counts one hit per resolver call and rejects with TOO_MANY_REQUESTS, Retry-After and headers', async () => {
      for (let i = 0; i < 2; i++) {
        const response = await gql(app, '{ limited }', as('ann'));
        expect(response.body).toEqual({ data: { limited: 'ok' } });
        expect(response.headers['ratelimit']).toBe(`"minute";r=${1 - i};t=60`);
        expect(response.headers['ratelimit-policy']).toBe('"minute";q=2;w=60');
      }
      const rejected = await gql(app, '{ limited }', as('ann'));
      expect(rejected.status).toBe(200);
      expect(rejected.body.data).toBeNull();
      expect(rejected.body.errors).toHaveLength(1);
      expect(rejected.body.errors[0]).toMatchObject({
        message: 'Too Many Requests',
        path: ['limited'],
        extensions: { code: 'TOO_MANY_REQUESTS', retryAfter: 60 },
      });
      expect(rejected.headers['retry-after']).toBe('60');
      expect(rejected.headers['ratelimit']).toBe('"minute";r=0;t=60');

      expect((await gql(app, '{ limited }', as('bob'))).body).toEqual({ data: { limited: 'ok' } }); // own budget
      expect((await gql(app, '{ free }', as('ann'))).body).toEqual({ data: { free: 'ok' } }); // not limited
    });

    it('counts each resolver in its own scope, and each call of one resolver in one operation', async () => {
      const both = await gql(app, '{ limited otherLimited }', as('cy'));
      expect(both.body).toEqual({ data: { limited: 'ok', otherLimited: 'ok' } });
      const twice = await gql(app, '{ x: limited y: limited }', as('cy')); // 2nd and 3rd call of `limited`
      expect(twice.body.data).toBeNull();
      expect(twice.body.errors.map((error: any) => error.extensions.code)).toContain('TOO_MANY_REQUESTS');
      expect((await gql(app, '{ otherLimited }', as('cy'))).body).toEqual({ data: { otherLimited: 'ok' } });
    });

    it('limits mutations, and exempts a group by its rule', async () => {
      expect((await gql(app, 'mutation { vote(value: 1) }', as('dee'))).body).toEqual({ data: { vote: 1 } });
      const rejected = await gql(app, 'mutation { vote(value: 2) }', as('dee'));
      expect(rejected.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfter: 60 });
      for (let i = 0; i < 5; i++) {
        expect((await gql(app, '{ limited }', as('root', 'admin'))).body).toEqual({ data: { limited: 'ok' } });
      }
    });

    it('limits field resolvers per call where guards run on them (fieldResolverEnhancers)', async () => {
      const response = await gql(app, '{ books { title price } }', as('kay'));
      expect(response.body.data.books).toEqual([
        { title: 'a', price: 'a-9' },
        { title: 'b', price: 'b-9' },
        { title: 'c', price: null },
      ]);
      expect(response.body.errors).toMatchObject([{ extensions: { code: 'TOO_MANY_REQUESTS' } }]);
      expect(response.body.errors[0].path.map(String)).toEqual(['books', '2', 'price']); // Mercurius: '2'
    });

    it('turns an auth failure into UNAUTHENTICATED, never INTERNAL_SERVER_ERROR', async () => {
      const response = await gql(app, '{ limited }');
      expect(response.body.errors[0]).toMatchObject({
        message: 'Rate limiting could not identify the caller (no identity): no x-user header',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    });
  });

  describe('config patterns', () => {
    let app: INestApplication;
    const auth = headerAuth();
    beforeAll(async () => {
      app = await createGraphQLApp(server, graphqlScenario({ auth, config: { '^/graphql': [{ minute: 3 }] } }));
    });
    afterAll(() => app.close());

    it('match the HTTP path and count ONE hit per HTTP request, however many resolvers it runs', async () => {
      for (let i = 0; i < 3; i++) {
        const response = await gql(app, '{ a b c }', as('eve'));
        expect(response.body).toEqual({ data: { a: 'a', b: 'b', c: 'c' } });
        expect(response.headers['ratelimit']).toBe(`"minute";r=${2 - i};t=60`);
      }
      const rejected = await gql(app, '{ a b c }', as('eve'));
      expect(rejected.body.data).toEqual({ a: null, b: null, c: null }); // every resolver of the request is rejected
      expect(rejected.body.errors).toHaveLength(3);
      for (const error of rejected.body.errors) {
        expect(error).toMatchObject({ message: 'Too Many Requests', extensions: { code: 'TOO_MANY_REQUESTS' } });
      }
      expect(rejected.headers['retry-after']).toBe('60');
    });

    it('stack with resolver rules; a response reports every limit applied in it', async () => {
      const response = await gql(app, '{ a limited }', as('fay'));
      expect(response.body).toEqual({ data: { a: 'a', limited: 'ok' } });
      expect(response.headers['ratelimit-policy']).toBe('"minute";q=3;w=60, "minute-2";q=2;w=60');
      expect(response.headers['ratelimit']).toBe('"minute";r=2;t=60, "minute-2";r=1;t=60');
    });

    it('@SkipRateLimit() exempts a resolver from the patterns; auth runs once per limited resolver call', async () => {
      const before = auth.calls;
      for (let i = 0; i < 5; i++) {
        expect((await gql(app, '{ unlimited }', as('gus'))).body).toEqual({ data: { unlimited: 'ok' } });
      }
      expect(auth.calls).toBe(before);
    });

    if (server.name === 'apollo-express') {
      it('count a batch of operations (one HTTP request) once', async () => {
        const batch = [{ query: '{ a }' }, { query: '{ b }' }, { query: '{ c }' }];
        const response = await http(app).post('/graphql').set(as('hal')).send(batch);
        expect(response.body).toEqual([{ data: { a: 'a' } }, { data: { b: 'b' } }, { data: { c: 'c' } }]);
        expect(response.headers['ratelimit']).toBe('"minute";r=2;t=60');
      });
    }
  });

  describe('onDecision', () => {
    let app: INestApplication;
    const seen: { type: string; allowed: boolean }[] = [];
    beforeAll(async () => {
      const onDecision = (event: RateLimitDecision) =>
        seen.push({ type: event.context!.getType(), allowed: event.allowed });
      app = await createGraphQLApp(server, graphqlScenario({ auth: headerAuth(), onDecision }));
    });
    afterAll(() => app.close());

    it("gets every resolver decision with the resolver's context", async () => {
      for (let i = 0; i < 3; i++) await gql(app, '{ limited }', as('lou'));
      expect(seen).toEqual([
        { type: 'graphql', allowed: true },
        { type: 'graphql', allowed: true },
        { type: 'graphql', allowed: false },
      ]);
    });
  });

  describe('JwtAuth', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createGraphQLApp(server, graphqlScenario({ auth: createJwtAuth(SECRET) }));
    });
    afterAll(() => app.close());

    it('reads the Authorization header of the HTTP request; a bad token is UNAUTHENTICATED', async () => {
      const ivy = bearer(hs256({ user: 'ivy' }));
      expect((await gql(app, '{ limited }', ivy)).body).toEqual({ data: { limited: 'ok' } });
      expect((await gql(app, '{ limited }', ivy)).body).toEqual({ data: { limited: 'ok' } });
      expect((await gql(app, '{ limited }', ivy)).body.errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
      const admin = bearer(hs256({ user: 'jo', group: 'admin' }));
      for (let i = 0; i < 3; i++) expect((await gql(app, '{ limited }', admin)).body.data).toEqual({ limited: 'ok' });

      const bad = await gql(app, '{ limited }', bearer('not.a.token'));
      expect(bad.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(bad.body.errors[0].message).toMatch(
        /^Rate limiting could not identify the caller \(invalid credentials\)/,
      );
    });
  });

  describe('ClientIpAuth (the default)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createGraphQLApp(server, graphqlScenario());
    });
    afterAll(() => app.close());

    it('finds the peer address and proxy headers of the HTTP request', async () => {
      const from = { 'x-forwarded-for': '203.0.113.9' }; // the peer (loopback) is a trusted proxy
      expect((await gql(app, '{ limited }', from)).body.data).toEqual({ limited: 'ok' });
      expect((await gql(app, '{ limited }', from)).body.data).toEqual({ limited: 'ok' });
      expect((await gql(app, '{ limited }', from)).body.errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
      const other = { 'x-forwarded-for': '203.0.113.10' };
      expect((await gql(app, '{ limited }', other)).body.data).toEqual({ limited: 'ok' });
    });
  });
});
