// /admin opens its first tab.
import { redirect } from '@sveltejs/kit';

export function load(): never {
  redirect(307, '/admin/users');
}
