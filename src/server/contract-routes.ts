/**
 * Registers admin API routes from the contract's route table: fastify
 * checks each request with the JSON schemas generated from the route's zod
 * schemas, and the route keeps its contract entry in its config (for the
 * token check, error logging and answer checks).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { jsonSchemaOf, type BodyOf, type ParamsOf, type QueryOf, type RouteContract } from '../contract/index.js';
import { TollgateError } from '../engine/errors.js';
import { emptyBodyAsObject } from './admin-schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's entry in the contract's route table. */
    contract?: RouteContract;
  }
}

/** The request a route's handler gets: its params, query and body as the contract shapes them. */
export type ContractRequest<R extends RouteContract> = FastifyRequest<{
  Params: ParamsOf<R>;
  Querystring: QueryOf<R>;
  Body: BodyOf<R>;
}>;

export type ContractHandler<R extends RouteContract> = (request: ContractRequest<R>, reply: FastifyReply) => unknown;

const schemas = new WeakMap<RouteContract, FastifySchema>();

/** The fastify schema of a route: draft-07 JSON schemas of its request parts and JSON answers. */
export function fastifySchemaOf(route: RouteContract): FastifySchema {
  const known = schemas.get(route);
  if (known !== undefined) return known;
  const input = { target: 'draft-7', io: 'input' } as const;
  const schema: FastifySchema = {
    ...(route.params === undefined ? {} : { params: jsonSchemaOf(route.params, input) }),
    ...(route.query === undefined ? {} : { querystring: jsonSchemaOf(route.query, input) }),
    ...(route.body === undefined ? {} : { body: jsonSchemaOf(route.body, input) }),
    ...(route.contentType === undefined
      ? {
          response: Object.fromEntries(
            Object.entries(route.responses).map(([status, answer]) => [
              status,
              jsonSchemaOf(answer, { target: 'draft-7', io: 'output' }),
            ]),
          ),
        }
      : {}),
  };
  schemas.set(route, schema);
  return schema;
}

/** Registers one route of the contract with its handler. */
export function addRoute<R extends RouteContract>(app: FastifyInstance, route: R, handler: ContractHandler<R>): void {
  app.route({
    method: route.method,
    url: route.path,
    schema: fastifySchemaOf(route),
    config: { contract: route },
    ...(route.emptyBodyAsObject === true ? { preValidation: emptyBodyAsObject } : {}),
    handler: handler as (request: FastifyRequest, reply: FastifyReply) => unknown,
  });
}

/** A route as fastify registered it, with its contract entry if it has one. */
export interface RegisteredRoute {
  method: string;
  url: string;
  contract: RouteContract | undefined;
  schema: FastifySchema | undefined;
}

const registries = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Records every route registered on `app` from now on, and refuses to start
 * (app.ready() rejects) when a route has no contract entry: an admin route
 * cannot be added without its schemas (HEAD routes, which fastify adds for
 * every GET, answer as their GET does).
 */
export function requireContracts(app: FastifyInstance): void {
  const registered: RegisteredRoute[] = [];
  registries.set(app, registered);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      registered.push({ method, url: route.url, contract: route.config?.contract, schema: route.schema });
    }
  });
  app.addHook('onReady', (done) => {
    const missing = registered.filter((r) => r.method !== 'HEAD' && r.contract === undefined);
    if (missing.length === 0) {
      done();
      return;
    }
    const list = missing.map((r) => `${r.method} ${r.url}`).join(', ');
    done(new TollgateError('internal', `admin routes without a contract entry (src/contract/routes.ts): ${list}`));
  });
}

/** The routes fastify registered on an app built by buildAdminApi (HEAD routes included). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registries.get(app) ?? [];
}
