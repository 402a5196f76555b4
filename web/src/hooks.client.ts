// Unexpected errors are logged for whoever debugs the app; an address with no page (404) is not an error of the app.
import type { HandleClientError } from '@sveltejs/kit';

export const handleError: HandleClientError = ({ error, status, message }) => {
  if (status !== 404) console.error(error);
  return { message };
};
