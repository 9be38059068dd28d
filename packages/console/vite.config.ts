import { defineConfig } from 'vite';

/**
 * The console's build: an `index.html` and hashed assets for `/admin/`, served by the server under the CSP
 * `default-src 'self'`, so nothing is inlined (no data: URIs, no polyfill script) and nothing comes from elsewhere.
 * `build.mjs` runs it; `npx vite` serves it for development, proxying the API to a local `wxlogin dev`.
 */
export default defineConfig({
  base: '/admin/',
  // Vite's own JSX transform for Preact (no Babel, no preset).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    // Relative to this package: the server's directory, which it serves from.
    outDir: '../server/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: { '/admin/api': 'http://127.0.0.1:3000' },
  },
});
