// Builds the agent console (console.html) and the demo chat widget (chat-demo.html) into
// dist/, which the daemon embeds at compile time. Asset names carry a content hash, so the
// daemon caches them for good and a rebuild changes their names.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The daemon's CSP allows no inline script, and every browser the console supports
    // preloads modules natively.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        console: resolve(import.meta.dirname, 'console.html'),
        'chat-demo': resolve(import.meta.dirname, 'chat-demo.html'),
      },
    },
  },
});
