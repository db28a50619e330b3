// Test helper: GET over HTTPS trusting only a given CA, answer as text (what `curl --cacert` does).
import { request } from 'node:https';

export interface GetAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpsGet(url: string, caPem: string | Buffer, headers: Record<string, string> = {}): Promise<GetAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
