// Fetches the code of every page once, so that moving to another page needs no request while the hub is unreachable
// (else the browser could not load that page's code, and the page would fail).
import { preloadCode } from '$app/navigation';

/** One path per route (a made-up id where the route has a parameter). */
const ROUTES = [
  '/',
  '/new',
  '/tasks',
  '/tasks/preload',
  '/studies',
  '/studies/new',
  '/studies/preload',
  '/datasets/preload',
  '/tokens',
  '/admin',
  '/admin/users',
  '/admin/keys',
  '/admin/runners',
  '/login',
];

let done = false;

export function preloadRoutes(): void {
  if (done) return;
  done = true;
  // Just after the current page has drawn; a failure is harmless (that page's code is fetched when it is opened). The
  // page's root says when all are in (`data-pages-loaded`), for tests that take the hub away.
  setTimeout(() => {
    void Promise.allSettled(ROUTES.map((path) => preloadCode(path))).then(() => {
      document.documentElement.dataset.pagesLoaded = 'true';
    });
  }, 100);
}
