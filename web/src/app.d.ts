// Ambient types for SvelteKit; this app keeps no server-side state, so the App namespace stays empty.
declare global {
  namespace App {}
}
export {};
