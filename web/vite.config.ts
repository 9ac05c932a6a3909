import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

// Three pages, served by the edge from web/dist: the shopper's (/), the brand's (/brand), the operator's (/operator).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: { input: { index: page('index'), brand: page('brand'), operator: page('operator') } },
  },
});
