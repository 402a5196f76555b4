// The state of a page that lists named secrets (API tokens, enrolment keys) and creates them: the list and its load
// error, the new-secret form (name, expiry, name error, busy), the secret just created (shown once) and the last
// action's error.
import { errorText, unavailable } from './errors.ts';
import { EXPIRY_CHOICES } from './tokens-api.ts';

export interface SecretListSource<V, Created, Body> {
  list: () => Promise<V[]>;
  create: (body: Body) => Promise<Created>;
  /** The create request from the form, or null when the form does not parse (the name is missing). */
  body: (name: string, expiresInS: number | null) => Body | null;
  /** Shown under the name field when `body` returns null. */
  nameHint: string;
}

export class SecretList<V, Created, Body> {
  items = $state<V[] | null>(null);
  missing = $state(false);
  error = $state<string | null>(null);
  name = $state('');
  /** Index into EXPIRY_CHOICES, as a string (a select's value). */
  expiry = $state('0');
  nameError = $state<string | null>(null);
  fresh = $state<Created | null>(null);
  actionError = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private readonly source: SecretListSource<V, Created, Body>,
    expiry = '0',
  ) {
    this.expiry = expiry;
  }

  load = async (): Promise<void> => {
    try {
      this.items = await this.source.list();
      this.error = null;
    } catch (e) {
      this.missing = unavailable(e, true);
      this.error = errorText(e);
    }
  };

  /** The form's submit: parse, create, show the secret once, reload. `after` resets the caller's own fields. */
  create = async (e: SubmitEvent, after?: () => void): Promise<void> => {
    e.preventDefault();
    this.actionError = null;
    const seconds = EXPIRY_CHOICES[Number(this.expiry)]?.seconds ?? null;
    const body = this.source.body(this.name.trim(), seconds);
    this.nameError = body === null ? this.source.nameHint : null;
    if (body === null) return;
    this.busy = true;
    try {
      this.fresh = await this.source.create(body);
      this.name = '';
      after?.();
      await this.load();
    } catch (err) {
      this.actionError = errorText(err);
    } finally {
      this.busy = false;
    }
  };

  /** Runs an action on one item (e.g. revoke), then reloads; a failure is shown as `failure(err)`. */
  act = async (action: () => Promise<unknown>, failure: (err: unknown) => string): Promise<void> => {
    this.actionError = null;
    try {
      await action();
      await this.load();
    } catch (err) {
      this.actionError = failure(err);
    }
  };
}

/** A token's or key's state as lists show it; `spent`: a single-use key that has been used. */
export const secretState = (s: { revoked_at?: string | null; expires_at?: string | null }, spent = false): string =>
  s.revoked_at
    ? 'revoked'
    : s.expires_at && Date.parse(s.expires_at) <= Date.now()
      ? 'expired'
      : spent
        ? 'spent'
        : 'active';
