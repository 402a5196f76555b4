// A single-page app: every page renders in the browser, none is prerendered; the hub serves index.html for all paths.
export const ssr = false;
export const prerender = false;
