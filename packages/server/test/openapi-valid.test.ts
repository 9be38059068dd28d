import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createTestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef-openapi-valid';

describe('GET /openapi.json against the OpenAPI 3.1 schema [sqlite]', () => {
  it('is valid OpenAPI 3.1 with every route registered (the admin API included)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const response = await t.get('/openapi.json');
    expect(response.statusCode).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(response.json<Record<string, unknown>>());
    expect(validator.version).toBe('3.1');
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('is a validator that refuses a broken document (a response without its description)', async () => {
    const t = await createTestApp();
    const doc = (await t.get('/openapi.json')).json<{
      paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>>;
    }>();
    delete doc.paths['/healthz']!['get']!.responses['200']!.description;
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.valid).toBe(false);
  });
});
