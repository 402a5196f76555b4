// Errors while opening a page. A page whose code could not be fetched (the hub is unreachable) says so in words; other
// unexpected errors are logged for whoever debugs the app. An address with no page (404) is not an error of the app.
import type { HandleClientError } from '@sveltejs/kit';

/** Chromium, Firefox and Safari word a failed dynamic import differently. */
const UNREACHABLE = /dynamically imported module|error loading dynamically|importing a module script failed/i;

export const handleError: HandleClientError = ({ error, status, message }) => {
  if (status === 404) return { message };
  const text = error instanceof Error ? error.message : String(error);
  if (UNREACHABLE.test(text))
    return {
      message:
        'This page could not be loaded: the hub cannot be reached. It opens by itself once the hub is back, or try again in a moment.',
    };
  console.error(error);
  return { message: `This page could not be shown: ${text}` };
};
