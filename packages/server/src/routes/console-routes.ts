import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
// `schema.hide` is @fastify/swagger's augmentation of FastifySchema.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '../errors/app-error.js';

/**
 * The console's policy, exactly the Contract's: its scripts and styles are files of its own under
 * `/admin/assets/`, and its data comes from `/admin/api` on the same origin.
 */
export const CONSOLE_CSP = "default-src 'self'; frame-ancestors 'none'";

/** Where `npm run build` puts the console (`packages/console` builds into the server package, which ships it). */
export const CONSOLE_DIR: string = fileURLToPath(new URL('../../console/', import.meta.url));

/** Options of {@link consoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** The built console: `index.html`, `manifest.json` and `assets/` (default {@link CONSOLE_DIR}). */
  dir?: string;
}

// Hashed names change with their content, so a year is safe; the page itself is revalidated every time so that a
// new build's names are picked up.
const ASSET_MAX_AGE_S = 365 * 24 * 3600;

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

/**
 * The operator's console: `GET /admin` (the page) and `GET /admin/assets/<hashed name>` (its scripts and styles,
 * cached for a year). Only the files the build listed in its manifest are routes, so nothing else under `/admin`
 * ever serves HTML or JS. Without a built console (a checkout before `npm run build`), `/admin` says so in the
 * error envelope and the service runs on. Register it only when the admin token is set, as the admin API.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  const dir = options.dir ?? CONSOLE_DIR;
  const built = readBuild(dir);
  if (built === undefined) {
    app.log.warn({ dir }, 'the console is not built (run npm run build): /admin answers 404');
    app.get('/admin', { schema: { hide: true } }, async () => {
      throw new AppError('NOT_FOUND', 'The console is not built: run npm run build.');
    });
    return;
  }

  app.get('/admin', { schema: { hide: true } }, async (_request, reply) =>
    secureHeaders(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(built.page),
  );
  // The banner's URL is /admin#token=…; a trailing slash keeps its fragment through the redirect.
  app.get('/admin/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin', 302));

  await app.register(fastifyStatic, {
    root: `${dir}assets`,
    prefix: '/admin/assets/',
    // A route per file found now (the build's own), nothing else: an unknown asset is the envelope's 404.
    wildcard: false,
    allowedPath: (pathName) => built.assets.has(pathName.replace(/^\//, '')),
    index: false,
    list: false,
    dotfiles: 'deny',
    decorateReply: false,
    immutable: true,
    maxAge: ASSET_MAX_AGE_S * 1000,
    etag: true,
    lastModified: false,
    schemaHide: true,
    setHeaders: (response) => {
      response.setHeader('content-security-policy', CONSOLE_CSP);
      response.setHeader('x-content-type-options', 'nosniff');
    },
  });
};

/** The page and the asset names of a build, or undefined when there is none (or it is incomplete). */
function readBuild(dir: string): { page: string; assets: Set<string> } | undefined {
  try {
    const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { files?: unknown };
    const files = Array.isArray(manifest.files) ? manifest.files.filter((f) => typeof f === 'string') : [];
    const assets = new Set(files.filter((f) => f.startsWith('assets/')).map((f) => f.slice('assets/'.length)));
    return { page: readFileSync(`${dir}index.html`, 'utf8'), assets };
  } catch {
    return undefined;
  }
}
