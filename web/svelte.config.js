// SvelteKit build settings: a static single-page app that the hub serves, with a CSP that needs no inline scripts.
import { createHash } from 'node:crypto';
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// SvelteKit's route announcer (for screen readers) carries this inline style attribute. A strict policy blocks it
// unless its hash is allowed, and the hidden announcer would then show on screen.
const ANNOUNCER_STYLE =
  'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px';
const announcerHash = `sha256-${createHash('sha256').update(ANNOUNCER_STYLE).digest('base64')}`;

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // Every route is rendered in the browser; the hub answers unknown paths with index.html.
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    // Kit's bootstrap script is inline; hashing it lets a strict `script-src 'self'` policy allow it.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self'],
        'style-src-attr': ['unsafe-hashes', announcerHash],
        'connect-src': ['self'],
        'img-src': ['self', 'data:', 'blob:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
      },
    },
  },
};
