import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { curlCommand, shellQuote } from './curl.ts';

// The shell itself says whether the quoting holds: it must hand the exact text to the program.
const throughShell = (quoted: string) => execFileSync('sh', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });

test('shell quoting survives quotes, dollars and backticks', () => {
  for (const s of [`it's`, `a'b'c`, '$HOME `id` "x"', "''", 'line\nbreak']) assert.is(throughShell(shellQuote(s)), s);
});

test('the curl line carries the exact JSON body', () => {
  const body = { op: 200, params: { dataset: 'w', where: { column: 'name', op: '=', value: "O'Brien" } } };
  const line = curlCommand('http://127.0.0.1:8080', '/api/v1/tasks', body);
  assert.match(line, "curl -sS -X POST 'http://127.0.0.1:8080/api/v1/tasks'");
  // Run the line with `curl` swapped for a printer of its last argument, so the shell parses it for real.
  const script = `curl() { for a; do last=$a; done; printf '%s' "$last"; }\n${line}`;
  const sent = execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, SIMPUL_TOKEN: 't' } });
  assert.equal(JSON.parse(sent), body);
});

test.run();
