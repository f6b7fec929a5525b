import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Django renders the HTML page itself and loads the built entry through
// dist/.vite/manifest.json, so the build has a single JS entry and no HTML.
// Everything Django serves under STATIC_URL ("/static/") comes from dist/.

// Local Django for `npm run dev` (the dev server proxies these paths to it).
const DJANGO_ORIGIN = 'http://127.0.0.1:8000';
const proxied = ['/api', '/healthz', '/accounts', '/admin'];

export default defineConfig({
  base: '/static/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    // elkjs (auto-layout) is a lazily loaded chunk of its own; it is big, but only loaded on use.
    chunkSizeWarningLimit: 1600,
    // Vite 8 name for what Vite <= 7 called `rollupOptions`.
    rolldownOptions: {
      input: 'src/main.tsx',
    },
  },
  server: {
    proxy: {
      ...Object.fromEntries(proxied.map((path) => [path, { target: DJANGO_ORIGIN }])),
      '/ws': { target: DJANGO_ORIGIN, ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
