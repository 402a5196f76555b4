// Vite settings; `vite dev` forwards the API and the live socket to a hub running on its own port.
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// Where `npm run dev -w @simpul/web` finds the hub; override with SIMPUL_HUB_URL.
const hub = process.env.SIMPUL_HUB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/api': { target: hub, changeOrigin: false },
      '/socket.io': { target: hub, ws: true, changeOrigin: false },
    },
  },
});
