// Questions on stdin, one answer per line; works on a terminal and with answers piped in (a closed stdin answers null).
import { createInterface, type Interface } from 'node:readline';

export class Prompt {
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private closed = false;
  private rl: Interface | null = null;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {}

  private open(): void {
    if (this.rl) return;
    this.rl = createInterface({ input: this.input, terminal: false });
    this.rl.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** The next answer, trimmed; `fallback` for an empty one; null once stdin has no more lines. */
  async ask(question: string, fallback?: string): Promise<string | null> {
    this.open();
    this.output.write(fallback ? `${question} [${fallback}]: ` : `${question}: `);
    const line = this.lines.length
      ? this.lines.shift()!
      : this.closed
        ? null
        : await new Promise<string | null>((resolve) => this.waiting.push(resolve));
    if (line === null) {
      this.output.write('\n');
      return null;
    }
    if (!(this.input as { isTTY?: boolean }).isTTY) this.output.write('\n'); // piped answers are not echoed
    const answer = line.trim();
    return answer === '' && fallback !== undefined ? fallback : answer;
  }

  close(): void {
    this.rl?.close();
  }
}
