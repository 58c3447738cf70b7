import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, ConfigSchema, loadConfig } from '../../src/config';

const root = join(__dirname, '..', '..');
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: unknown;
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml matches the app configuration', () => {
  test('it has Temporal on PostgreSQL, the Web UI, PostgreSQL, and the worker and API built from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mailpit', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.worker?.build).toBe('.');
    expect(services.api?.build).toBe('.');
  });

  test.each(['worker', 'api'])(
    'the %s service sets only configuration variables the app knows, and they validate',
    (name) => {
      const env = services[name]?.environment ?? {};
      const unknown = Object.keys(env).filter((k) => !(CONFIG_VARIABLES as string[]).includes(k));
      expect(unknown).toEqual([]);
      const config = loadConfig(env);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgresql:5432\/apn$/);
    },
  );

  test('the worker sends notifications through the compose SMTP server (Mailpit), which it waits for', () => {
    const worker = loadConfig(services.worker?.environment ?? {});
    expect(worker.SMTP_URL).toBeDefined();
    const smtp = new URL(worker.SMTP_URL ?? '');
    expect(Object.keys(services)).toContain(smtp.hostname);
    expect(services.worker?.depends_on).toContain(smtp.hostname);
    expect(services[smtp.hostname]?.image).toMatch(/^axllent\/mailpit:/);
  });

  test('the worker and the API agree on namespace and task queue', () => {
    const worker = loadConfig(services.worker?.environment ?? {});
    const api = loadConfig(services.api?.environment ?? {});
    expect(api.TEMPORAL_NAMESPACE).toBe(worker.TEMPORAL_NAMESPACE);
    expect(api.TEMPORAL_TASK_QUEUE).toBe(worker.TEMPORAL_TASK_QUEUE);
  });

  test('published ports match the configured ones: API on PORT, Web UI on 8233', () => {
    const api = loadConfig(services.api?.environment ?? {});
    expect(api.HOST).toBe('0.0.0.0');
    expect(services.api?.ports).toContain(`${api.PORT}:${api.PORT}`);
    const defaults = ConfigSchema.parse({});
    expect(services['temporal-ui']?.ports).toContain(`${defaults.TEMPORAL_UI_PORT}:8080`);
    expect(services.temporal?.ports).toContain(`${defaults.TEMPORAL_PORT}:7233`);
  });

  test('every service command is an npm script of the project', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['worker', 'api']) {
      const [bin, verb, script] = services[name]?.command ?? [];
      expect([bin, verb]).toEqual(['npm', 'run']);
      expect(Object.keys(pkg.scripts)).toContain(script);
    }
  });

  test('the README configuration table lists every variable', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const missing = CONFIG_VARIABLES.filter((v) => !readme.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });
});

describe('configuration validation', () => {
  test('a bad value is refused naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });
  test("the worker's sticky cache is bounded by default and takes a whole number of workflows", () => {
    expect(loadConfig({}).WORKER_MAX_CACHED_WORKFLOWS).toBe(1000);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '250' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(250);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'many' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });
  test('empty strings count as unset and defaults apply', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: '', PORT: '' });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.PORT).toBe(3000);
  });
});
