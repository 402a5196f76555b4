// A lean HTTP/1.1 load generator for the benches: node:http over kept-alive connections, one per client. On the 2-core
// machine the clients share the CPU with the hub, and fetch (undici) spends several times more per request than this.
import http from 'node:http';

export interface LeanReply {
  status: number;
  body: string;
}

export class LeanClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(
    base: string,
    private readonly token: string,
    connections: number,
  ) {
    this.url = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  post(path: string, body: unknown): Promise<LeanReply> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
