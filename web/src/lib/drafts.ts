// Form drafts kept in sessionStorage, so that a login in the middle (session expired) loses nothing typed.

const PREFIX = 'simpul:draft:';

export function saveDraft(key: string, value: unknown): void {
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the form still works, only without the safety net.
  }
}

/** The stored draft, passed through `restore` (which checks its shape); null when there is none or it does not fit. */
export function loadDraft<T>(key: string, restore: (raw: unknown) => T | null): T | null {
  try {
    const text = sessionStorage.getItem(PREFIX + key);
    if (text === null) return null;
    return restore(JSON.parse(text));
  } catch {
    return null;
  }
}

export function clearDraft(key: string): void {
  try {
    sessionStorage.removeItem(PREFIX + key);
  } catch {
    // nothing to clear
  }
}
