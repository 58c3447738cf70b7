// The console is served by the engine under /console from console/dist; it calls the /v1 API of the same origin.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  // React 17+ JSX without the React import; Vite's own transform, so no plugin is needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/console/config.json': 'http://127.0.0.1:3000' } },
});
