import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Two pages, built from this folder: the storefront (index.html) and the GraphQL explorer
// (graphiql.html). The gateway serves dist/ outside production mode.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    // GraphiQL is one large chunk by nature; it loads only on /graphiql.
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: { main: 'index.html', graphiql: 'graphiql.html' },
      onwarn(warning, warn) {
        // GraphiQL's react-compiler-runtime carries a "use no memo" directive that bundling drops harmlessly.
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
