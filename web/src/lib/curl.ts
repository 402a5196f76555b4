// A ready-to-paste curl line for a request, for people who script Simpul.

/** Quotes for a POSIX shell: everything inside single quotes, and each ' written as '\''. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function curlCommand(origin: string, path: string, body: unknown): string {
  return [
    `curl -sS -X POST ${shellQuote(origin + path)}`,
    `  -H "Authorization: Bearer $SIMPUL_TOKEN"`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join(' \\\n');
}

/** How to get a token for the line above (the login reply's `token`). */
export function tokenCommand(origin: string, username: string): string {
  const login = JSON.stringify({ username, password: 'YOUR-PASSWORD' });
  return `export SIMPUL_TOKEN=$(curl -sS -X POST ${shellQuote(`${origin}/api/v1/auth/login`)} -H 'Content-Type: application/json' -d ${shellQuote(login)} | sed -E 's/.*"token":"([^"]+)".*/\\1/')`;
}
