import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTrustProxy } from '../src/config/parse-trust-proxy.js';
import { ConfigSchema, envNameOf, isSecretKey } from '../src/config/schema.js';
import { assignmentsOf, copyOf, execForm, parseDockerfile, stagesOf } from './helpers/dockerfile.js';

// The container files of deploy/ and the root Dockerfile cannot be run here (no Docker engine): this suite checks
// what can be checked without one — the compose file against the Compose Specification's own schema, and both files
// against the service's configuration (its real variable names, secrets only through `<NAME>_FILE`).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

const CONFIG_KEYS = Object.keys(ConfigSchema.properties);
const SECRET_NAMES = new Set(CONFIG_KEYS.filter(isSecretKey).map(envNameOf));
/** Every `WXLOGIN_*` variable `wxlogin serve` reads: the schema's names, and `<NAME>_FILE` for each secret. */
const CONFIG_NAMES = new Set([...CONFIG_KEYS.map(envNameOf), ...[...SECRET_NAMES].map((n) => `${n}_FILE`)]);
/** Names that hold a secret whatever program reads them (a `_FILE` variable holds a path, not a secret). */
const SECRET_LOOKING = /(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|_KEY$)/i;
/** An official Node 20 slim image with its full version: `node:20.20.2-bookworm-slim`, optionally by digest too. */
const PINNED_NODE_SLIM = /^node:20\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/;
const SERVER_BIN = '/app/packages/server/bin/wxlogin.js';

// ---------------------------------------------------------------------------------------------------------------
// The Dockerfile's rules, as a list of problems (empty when the file keeps every rule).

function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const stages = stagesOf(instructions);
  const final = stages.at(-1);
  if (final === undefined) return ['no FROM'];
  const stageNames = new Set(stages.map((s) => s.name).filter((n) => n !== undefined));

  if (!PINNED_NODE_SLIM.test(final.from))
    problems.push(`final stage: FROM ${final.from} is not a pinned node:20.x.y-…slim`);
  for (const stage of stages) {
    if (!stageNames.has(stage.from) && !PINNED_NODE_SLIM.test(stage.from)) {
      problems.push(`stage ${stage.name ?? '(final)'}: FROM ${stage.from} is not a pinned node:20.x.y-…slim`);
    }
  }

  const of = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
  const user = of('USER').at(-1)?.args;
  if (user === undefined) problems.push('final stage: no USER (the service would run as root)');
  else if (/^(root|0)(:.*)?$/.test(user)) problems.push(`final stage: USER ${user} is root`);

  const healthchecks = of('HEALTHCHECK');
  if (healthchecks.length !== 1) problems.push(`final stage: ${healthchecks.length} HEALTHCHECKs, expected 1`);
  else if (!/\bCMD\b.*\/healthz\b/.test(healthchecks[0]!.args)) problems.push('HEALTHCHECK does not probe /healthz');

  if (!of('EXPOSE').some((i) => i.args.split(/\s+/).some((p) => p === '3000' || p === '3000/tcp'))) {
    problems.push('final stage: no EXPOSE 3000');
  }

  for (const stage of stages) {
    for (const i of stage.instructions.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
      for (const [name, value] of assignmentsOf(i.args)) {
        if (SECRET_NAMES.has(name) || (!name.endsWith('_FILE') && SECRET_LOOKING.test(name))) {
          problems.push(`line ${i.line}: ${i.keyword} ${name} puts a secret in the image`);
        }
        if (name.startsWith('WXLOGIN_') && !CONFIG_NAMES.has(name)) {
          problems.push(`line ${i.line}: ${name} is not a variable of wxlogin serve`);
        }
        if (name === 'WXLOGIN_HOST' && value !== '0.0.0.0') problems.push(`WXLOGIN_HOST=${value}: expected 0.0.0.0`);
        if (name === 'WXLOGIN_PORT' && value !== '3000') problems.push(`WXLOGIN_PORT=${value}: expected 3000`);
      }
    }
  }

  // The production install: `npm ci --omit=dev` in the stage whose node_modules the final stage takes, which also
  // proves that the optional peers pg and mysql2 are in it.
  const modulesCopy = of('COPY')
    .map((i) => copyOf(i.args))
    .find((c) => c.sources.some((s) => s.endsWith('/node_modules')));
  const depsStage = stages.find((s) => s.name !== undefined && s.name === modulesCopy?.from);
  const depsRuns = depsStage?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args) ?? [];
  if (!depsRuns.some((r) => /\bnpm ci\b[^&;|]*--omit=dev/.test(r))) {
    problems.push('final stage: node_modules does not come from a stage that runs `npm ci --omit=dev`');
  }
  if (!depsRuns.some((r) => r.includes("require.resolve('pg')") && r.includes("require.resolve('mysql2')"))) {
    problems.push('the production install does not check that pg and mysql2 are in it');
  }
  if (of('RUN').some((i) => /\bnpm (ci|install|i)\b/.test(i.args))) {
    problems.push('final stage: runs npm (the install belongs to a build stage)');
  }

  const copied = of('COPY').flatMap((i) => copyOf(i.args).sources);
  for (const path of [
    '/app/packages/core/package.json',
    '/app/packages/core/dist',
    '/app/packages/server/package.json',
    '/app/packages/server/bin',
    '/app/packages/server/dist',
    '/app/packages/server/console',
  ]) {
    if (!copied.includes(path)) problems.push(`final stage: does not copy ${path}`);
  }

  const entrypoint = of('ENTRYPOINT').at(-1);
  const entry = entrypoint === undefined ? undefined : execForm(entrypoint.args);
  if (entry?.[0] !== 'node' || entry[1] !== SERVER_BIN || entry.length !== 2) {
    problems.push(`ENTRYPOINT is not ["node", "${SERVER_BIN}"] in exec form (signals must reach node)`);
  }
  const cmd = of('CMD').at(-1);
  if (cmd === undefined || JSON.stringify(execForm(cmd.args)) !== '["serve"]') problems.push('CMD is not ["serve"]');
  return problems;
}

/** The patterns of an allow-list `.dockerignore` (`**` first, then `!path` exceptions). */
function dockerignoreAdmits(ignore: string, path: string): boolean {
  const lines = ignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines[0] !== '**') return false;
  return lines
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1))
    .some((p) => {
      const pattern = globToRegExp(p);
      return pattern.test(path) || pattern.test(`${path}/x`);
    });
}

/** A `.dockerignore` glob as a regular expression: `**` crosses directories, `*` does not. */
function globToRegExp(glob: string): RegExp {
  const literal = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^${glob
      .split('**')
      .map((part) => part.split('*').map(literal).join('[^/]*'))
      .join('.*')}$`,
  );
}

/** Whether a lockfile package and everything it depends on survive `npm ci --omit=dev` (none is dev-only). */
function survivesOmitDev(lock: { packages: Record<string, LockEntry> }, name: string): string[] {
  const dropped: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const entry = lock.packages[path];
    if (entry === undefined) return;
    if (entry.dev === true) dropped.push(path);
    for (const dep of Object.keys(entry.dependencies ?? {})) {
      const nested = `${path}/node_modules/${dep}`;
      visit(lock.packages[nested] === undefined ? `node_modules/${dep}` : nested);
    }
  };
  const top = `node_modules/${name}`;
  if (lock.packages[top] === undefined) return [`${top} is not in the lockfile`];
  visit(top);
  return dropped;
}

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// The compose file's rules.

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : String(asObject(v).source ?? ''))) : [];

/** A service's `environment`, whether written as a map or as a `KEY=value` list. */
function environmentOf(service: Json): Map<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return new Map(
      env.map((e) => {
        const text = String(e);
        const at = text.indexOf('=');
        return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
      }),
    );
  }
  return new Map(Object.entries(asObject(env)).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** `30s`, `1m30s`, `500ms` → seconds. */
function durationSeconds(text: unknown): number {
  let seconds = 0;
  for (const [, amount, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(amount) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return seconds;
}

const WXLOGIN_SERVICES = ['wxlogin-1', 'wxlogin-2'];

function composeProblems(doc: Json, nginxConf: string): string[] {
  const problems: string[] = [];
  const services = asObject(doc.services);
  const topSecrets = asObject(doc.secrets);
  const names = Object.keys(services).sort();
  const expected = ['nginx', 'postgres', 'redis', ...WXLOGIN_SERVICES].sort();
  if (JSON.stringify(names) !== JSON.stringify(expected)) problems.push(`services are ${names.join(', ')}`);

  for (const [serviceName, raw] of Object.entries(services)) {
    const service = asObject(raw);
    const env = environmentOf(service);
    const mounted = new Set(asStrings(service.secrets));
    for (const [name, value] of env) {
      if (SECRET_NAMES.has(name)) problems.push(`${serviceName}: ${name} is set directly; use ${name}_FILE`);
      else if (!name.endsWith('_FILE') && SECRET_LOOKING.test(name))
        problems.push(`${serviceName}: ${name} holds a secret in the environment`);
      if (name.startsWith('WXLOGIN_') && !CONFIG_NAMES.has(name)) {
        problems.push(`${serviceName}: ${name} is not a variable of wxlogin serve`);
      }
      if (name.endsWith('_FILE')) {
        const secret = /^\/run\/secrets\/([A-Za-z0-9_.-]+)$/.exec(value)?.[1];
        if (secret === undefined) problems.push(`${serviceName}: ${name}=${value} is not under /run/secrets`);
        else if (!mounted.has(secret)) problems.push(`${serviceName}: ${name} names secret ${secret}, not mounted`);
        else if (typeof asObject(topSecrets[secret]).file !== 'string') {
          problems.push(`${serviceName}: secret ${secret} is not defined from a file`);
        }
      }
    }
  }

  for (const serviceName of WXLOGIN_SERVICES) {
    const service = asObject(services[serviceName]);
    const env = environmentOf(service);
    for (const name of ['APPS', 'MASTER_KEY', 'DATABASE_URL', 'REDIS_URL']) {
      if (!env.has(`WXLOGIN_${name}_FILE`)) problems.push(`${serviceName}: WXLOGIN_${name}_FILE is missing`);
    }
    if (env.get('WXLOGIN_HOST') !== '0.0.0.0') problems.push(`${serviceName}: WXLOGIN_HOST is not 0.0.0.0`);
    if (env.get('WXLOGIN_PORT') !== '3000') problems.push(`${serviceName}: WXLOGIN_PORT is not 3000`);
    const trust = env.get('WXLOGIN_TRUST_PROXY') ?? 'off';
    const trustProblems: string[] = [];
    const parsed = parseTrustProxy(trust, 'WXLOGIN_TRUST_PROXY', trustProblems);
    const subnets = (asObject(asObject(asObject(doc.networks).backend).ipam).config as Json[] | undefined)?.map(
      (c) => c.subnet,
    );
    if (trustProblems.length > 0 || parsed === false || parsed === true) {
      problems.push(`${serviceName}: WXLOGIN_TRUST_PROXY=${trust} does not name nginx's network`);
    } else if (Array.isArray(parsed) && !parsed.every((cidr) => subnets?.includes(cidr))) {
      problems.push(`${serviceName}: WXLOGIN_TRUST_PROXY=${trust} is not the backend network's subnet`);
    }
    if (service.ports !== undefined) problems.push(`${serviceName}: publishes a port (only nginx may)`);
    if (durationSeconds(service.stop_grace_period) < 25) {
      problems.push(`${serviceName}: stop_grace_period under 25 s cuts requests in flight (deadline 20 s)`);
    }
    const build = asObject(service.build);
    if (build.context !== '..' || build.dockerfile !== 'Dockerfile') {
      problems.push(`${serviceName}: does not build the root Dockerfile`);
    }
  }

  const nginx = asObject(services.nginx);
  if (!/^nginx:1\.\d+/.test(String(nginx.image))) problems.push(`nginx: image ${String(nginx.image)} is not nginx:1.x`);
  if (!asStrings(nginx.volumes).some((v) => /^\.\/nginx\.conf:\/etc\/nginx\/nginx\.conf(:ro)?$/.test(v))) {
    problems.push('nginx: does not mount ./nginx.conf at /etc/nginx/nginx.conf');
  }
  const listen = /^\s*listen\s+(\d+)\s*;/m.exec(nginxConf)?.[1];
  if (!asStrings(nginx.ports).some((p) => p.endsWith(`:${listen}`))) {
    problems.push(`nginx: does not publish the port nginx.conf listens on (${listen})`);
  }
  const upstreams = [...nginxConf.matchAll(/^\s*server\s+([A-Za-z0-9.-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
  const instances = WXLOGIN_SERVICES.map((s) => `${s}:${environmentOf(asObject(services[s])).get('WXLOGIN_PORT')}`);
  if (JSON.stringify(upstreams.sort()) !== JSON.stringify(instances.sort())) {
    problems.push(`nginx.conf upstreams ${upstreams.join(', ')} are not the instances ${instances.join(', ')}`);
  }
  const dependsOn = Object.keys(asObject(nginx.depends_on));
  if (!WXLOGIN_SERVICES.every((s) => dependsOn.includes(s))) problems.push('nginx: does not depend on both instances');
  return problems;
}

function complianceOf(doc: unknown): { valid: boolean; errors: string[] } {
  // The schema names `https://json-schema.org/draft-07/schema`; Ajv's own draft-07 meta-schema is the same document
  // under its historical `http://…#` id, so it is registered under the name the schema uses.
  const meta = JSON.parse(read('node_modules/ajv/dist/refs/json-schema-draft-07.json')) as Json;
  // strictTypes off: the published schema writes union types and untyped `additionalProperties`, valid draft-07.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  ajv.addMetaSchema({ ...meta, $id: 'https://json-schema.org/draft-07/schema' });
  const validate = ajv.compile(JSON.parse(read('deploy/schema/compose-spec.json')) as Json);
  const valid = validate(doc);
  return { valid, errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`) };
}

const loadCompose = (text: string): Json => asObject(parseYaml(text, { merge: true }));

// ---------------------------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const text = read('Dockerfile');

  it('keeps every rule: pinned node:20 slim, non-root, /healthz, npm ci --omit=dev, no secret, EXPOSE 3000', () => {
    expect(dockerfileProblems(text)).toEqual([]);
  });

  it.each([
    [
      'an unpinned final image',
      (t: string) => t.replace(/FROM node:20\.20\.2-bookworm-slim\n(?!.*FROM)/s, 'FROM node:20-slim\n'),
      'final stage: FROM node:20-slim',
    ],
    ['a full (non-slim) image', (t: string) => t.replaceAll('bookworm-slim', 'bookworm'), 'is not a pinned'],
    ['no USER', (t: string) => t.replace(/^USER .*$/m, ''), 'no USER'],
    ['USER root', (t: string) => t.replace(/^USER .*$/m, 'USER root'), 'is root'],
    ['a healthcheck on /readyz', (t: string) => t.replace("'/healthz'", "'/readyz'"), 'does not probe /healthz'],
    [
      'npm ci with dev dependencies',
      (t: string) => t.replace('RUN npm ci --omit=dev', 'RUN npm ci'),
      '`npm ci --omit=dev`',
    ],
    ['no check of pg', (t: string) => t.replace("require.resolve('pg'); ", ''), 'pg and mysql2'],
    [
      'a secret in ENV',
      (t: string) => t.replace('NODE_ENV=production', 'NODE_ENV=production WXLOGIN_MASTER_KEY=abc'),
      'ENV WXLOGIN_MASTER_KEY',
    ],
    ['a secret in ARG', (t: string) => t.replace(/^FROM toolchain AS build$/m, '$&\nARG NPM_TOKEN'), 'ARG NPM_TOKEN'],
    [
      'a misspelt variable',
      (t: string) => t.replace('WXLOGIN_PORT=3000', 'WXLOGIN_PROT=3000'),
      'WXLOGIN_PROT is not a variable',
    ],
    ['another port', (t: string) => t.replace('EXPOSE 3000', 'EXPOSE 8080'), 'no EXPOSE 3000'],
    [
      'a shell-form entrypoint',
      (t: string) => t.replace(/^ENTRYPOINT .*$/m, `ENTRYPOINT node ${SERVER_BIN}`),
      'exec form',
    ],
    [
      'no dist of the server',
      (t: string) => t.replace(/^COPY --from=build \/app\/packages\/server\/dist .*$/m, ''),
      '/app/packages/server/dist',
    ],
  ])('finds %s', (_name, mutate, problem) => {
    const mutated = mutate(text);
    expect(mutated).not.toBe(text);
    expect(dockerfileProblems(mutated).join('\n')).toContain(problem);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignore = read('.dockerignore');
    const sources = parseDockerfile(text)
      .filter((i) => i.keyword === 'COPY')
      .map((i) => copyOf(i.args))
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerignoreAdmits(ignore, source), source).toBe(true);
    }
    // The check itself refuses what the allow-list leaves out.
    for (const outside of ['node_modules', 'packages/server/test/config.test.ts', 'deploy/secrets/x', '.git']) {
      expect(dockerignoreAdmits(ignore, outside), outside).toBe(false);
    }
  });

  it('runs the committed CLI shim, which starts the built CLI (dist/cli/main.js)', () => {
    const shim = read(SERVER_BIN.replace('/app/', ''));
    expect(shim).toContain("'../dist/cli/main.js'");
    expect(shim).toContain('await main(process.argv)');
  });

  it('installs pg and mysql2 with `npm ci --omit=dev`: the lockfile has them, and nothing they need, as dev-only', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };
    expect(survivesOmitDev(lock, 'pg')).toEqual([]);
    expect(survivesOmitDev(lock, 'mysql2')).toEqual([]);
    expect(survivesOmitDev(lock, 'better-sqlite3')).toEqual([]);
    // A dev-only package is found: typescript is a devDependency of the root alone.
    expect(survivesOmitDev(lock, 'typescript')).toEqual(['node_modules/typescript']);
  });
});

describe('deploy/compose.yaml', () => {
  const text = read('deploy/compose.yaml');
  const nginxConf = read('deploy/nginx.conf');

  it('is valid against the Compose Specification schema (deploy/schema/compose-spec.json)', () => {
    const schema = JSON.parse(read('deploy/schema/compose-spec.json')) as Json;
    expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
    expect(complianceOf(loadCompose(text))).toEqual({ valid: true, errors: [] });
  });

  it('the schema refuses a compose file with an unknown key or a wrong type', () => {
    const doc = loadCompose(text);
    const nginx = asObject(asObject(doc.services).nginx);
    const broken = { ...doc, services: { ...asObject(doc.services), nginx: { ...nginx, restrat: 'always' } } };
    expect(complianceOf(broken).errors).toContain('/services/nginx must NOT have additional properties');
    const wrongType = { ...doc, services: { ...asObject(doc.services), nginx: { ...nginx, read_only: [] } } };
    expect(complianceOf(wrongType).valid).toBe(false);
  });

  it('matches the Contract: real WXLOGIN_* names, secrets only as *_FILE from compose secrets, nginx in front', () => {
    expect(composeProblems(loadCompose(text), nginxConf)).toEqual([]);
  });

  it.each([
    [
      'a secret set directly',
      (t: string) => t.replace('WXLOGIN_MIGRATE: auto', 'WXLOGIN_MIGRATE: auto\n    WXLOGIN_MASTER_KEY: abc'),
      'WXLOGIN_MASTER_KEY is set directly',
    ],
    [
      'a misspelt variable',
      (t: string) => t.replace('WXLOGIN_LOG_LEVEL:', 'WXLOGIN_LOGLEVEL:'),
      'WXLOGIN_LOGLEVEL is not a variable',
    ],
    [
      'a _FILE of a secret not mounted',
      (t: string) => t.replace('    - wxlogin_metrics_token\n  depends_on', '  depends_on'),
      'names secret wxlogin_metrics_token, not mounted',
    ],
    [
      'a password in the environment',
      (t: string) => t.replace('POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password', 'POSTGRES_PASSWORD: hunter2'),
      'POSTGRES_PASSWORD holds a secret',
    ],
    [
      'trust in every X-Forwarded-For',
      (t: string) => t.replace('WXLOGIN_TRUST_PROXY: 172.29.80.0/24', 'WXLOGIN_TRUST_PROXY: "true"'),
      'does not name nginx',
    ],
    [
      'trust in another network',
      (t: string) => t.replace('WXLOGIN_TRUST_PROXY: 172.29.80.0/24', 'WXLOGIN_TRUST_PROXY: 10.0.0.0/8'),
      "not the backend network's subnet",
    ],
    ['a short stop', (t: string) => t.replace('stop_grace_period: 30s', 'stop_grace_period: 10s'), 'stop_grace_period'],
    [
      'nginx.conf not mounted',
      (t: string) => t.replace('./nginx.conf:/etc/nginx/nginx.conf:ro', './nginx.conf:/etc/nginx/conf.d/x.conf:ro'),
      'does not mount ./nginx.conf',
    ],
    ['an instance missing', (t: string) => t.replace('  wxlogin-2:\n    <<: *wxlogin\n', ''), 'services are'],
  ])('finds %s', (_name, mutate, problem) => {
    const mutated = mutate(text);
    expect(mutated).not.toBe(text);
    expect(composeProblems(loadCompose(mutated), nginxConf).join('\n')).toContain(problem);
  });

  it('keeps its secret files out of git', () => {
    expect(read('deploy/.gitignore').split('\n')).toContain('secrets/');
    const secrets = Object.values(asObject(loadCompose(text).secrets)).map((s) => String(asObject(s).file));
    expect(secrets.length).toBeGreaterThan(0);
    for (const file of secrets) expect(file.startsWith('./secrets/'), file).toBe(true);
  });
});
