import { defineConfig } from 'vite';

// The web pages: React with the automatic JSX runtime, built into web/dist, which the platform
// serves at `/`. In development, /api goes to a running `npm run dev` on :8080.
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // TanStack Query marks its modules "use client" for server components; nothing to do here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
