import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The dev server proxies /api to a running `llmtap serve --ui` on its default address,
// so `npm run dev` talks to real data with the same same-origin paths as the built app.
const ui = 'http://127.0.0.1:8781';

export default defineConfig({
  plugins: [svelte()],
  server: { proxy: { '/api': ui, '/healthz': ui } },
  build: {
    outDir: 'dist',
    // Each build starts clean; public/.gitkeep is copied back into dist/ so the committed
    // placeholder that lets `go:embed all:dist` compile in a fresh clone survives the build.
    emptyOutDir: true,
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
