/**
 * The HTTP API as an express app built from its dependencies; it never listens (src/main.ts and src/api/server.ts
 * do), so tests drive it with supertest.
 */
import express, { type Express } from 'express';
import helmet from 'helmet';

export interface Readiness {
  /** Resolves true when the dependency answers. */
  temporal(): Promise<boolean>;
  store(): Promise<boolean>;
}

export interface AppDependencies {
  readiness: Readiness;
  version?: string;
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: deps.version ?? 'dev' });
  });

  app.get('/readyz', async (_req, res) => {
    const [temporal, store] = await Promise.all([
      deps.readiness.temporal().catch(() => false),
      deps.readiness.store().catch(() => false),
    ]);
    const ready = temporal && store;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', temporal, store });
  });

  return app;
}
