// Saving a file the hub serves without leaving the page: a link with `download`, clicked and removed.

export function saveFile(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}
