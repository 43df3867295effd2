import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The dev server proxies /api to a running `llmtap serve --ui` on its default address,
// so `npm run dev` talks to real data with the same same-origin paths as the built app.
const ui = 'http://127.0.0.1:8781';

export default defineConfig({
  plugins: [svelte()],
  server: { proxy: { '/api': ui, '/healthz': ui } },
  build: {
    // dist/ is committed, so that `go install` embeds the UI without Node. Each build starts
    // clean and gives the same bytes for the same sources (scripts/test compares a fresh
    // build with the committed one), so nothing stale or machine-specific gets in.
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
