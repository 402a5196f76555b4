// Copying to the clipboard: the Clipboard API where the page may use it (HTTPS or localhost), else a selected textarea
// and the older copy command, which browsers still honour for a click on a plain-HTTP page (a hub on the LAN).

/** Copies `text`; false when the browser refused both ways (the caller then asks the user to copy by hand). */
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission refused: try the old way
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  const focused = document.activeElement as HTMLElement | null;
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
    focused?.focus();
  }
}
