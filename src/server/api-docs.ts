/**
 * The admin API's own description, open without a token: the OpenAPI 3.1
 * document generated from the contract, and a Swagger UI page whose files
 * come from the swagger-ui-dist package (no CDN: it works offline).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ROUTES, openApiDocument } from '../contract/index.js';
import { addRoute } from './contract-routes.js';
import { notFound } from './http-errors.js';

/** The page's own start script: the document next to it, no online validator badge (it would call out). */
const INIT_SCRIPT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>tollgate admin API</title>
    <link rel="stylesheet" type="text/css" href="docs/swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="docs/index.css" />
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="docs/tollgate-init.js" charset="UTF-8"></script>
  </body>
</html>
`;

/** The files the page loads, with their media types: nothing else of the package is served. */
export const DOCS_ASSETS: Readonly<Record<string, string>> = Object.freeze({
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
  'tollgate-init.js': 'application/javascript; charset=utf-8',
});

/** Registers `GET /api/openapi.json`, `GET /api/docs` and the page's files. */
export function registerApiDocs(app: FastifyInstance, options: { version: string }): void {
  let document: Record<string, unknown> | undefined;
  // A handful of fixed files, read once each on first use.
  const assets = new Map<string, Buffer>();
  let distDir: string | undefined;
  const assetBytes = (name: string): Buffer => {
    const known = assets.get(name);
    if (known !== undefined) return known;
    let bytes: Buffer;
    if (name === 'tollgate-init.js') {
      bytes = Buffer.from(INIT_SCRIPT, 'utf8');
    } else {
      distDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
      bytes = readFileSync(join(distDir, name));
    }
    assets.set(name, bytes);
    return bytes;
  };

  addRoute(app, ROUTES.openApiDocument, () => {
    document ??= openApiDocument({ version: options.version });
    return document;
  });

  addRoute(app, ROUTES.apiDocsPage, (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));

  addRoute(app, ROUTES.apiDocsAsset, (request, reply) => {
    const { asset } = request.params;
    const type = Object.hasOwn(DOCS_ASSETS, asset) ? DOCS_ASSETS[asset] : undefined;
    if (type === undefined) throw notFound(`no file ${asset} of the API page`);
    return reply.type(type).header('cache-control', 'public, max-age=3600').send(assetBytes(asset));
  });
}
