import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KEY_HEADER, startTokenBroker, type TokenBroker } from './token-broker.ts';

let broker: TokenBroker;
const asked: string[] = [];
let n = 0;
beforeAll(async () => {
  broker = await startTokenBroker({ S2S_TOKEN_DIRECT_0: 'https://pong-sec.example' }, async (audience) => {
    asked.push(audience);
    if (audience === 'boom') throw new Error('metadata down eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig');
    return `token-${++n}`;
  });
});
afterAll(async () => {
  await broker.close();
});

describe('token broker', () => {
  it('listens on loopback and serves the current token for a known env name with the right key', async () => {
    expect(broker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${broker.url}/token?env=S2S_TOKEN_DIRECT_0`, { headers: { [BROKER_KEY_HEADER]: broker.key } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('token-1');
    expect(asked).toEqual(['https://pong-sec.example']);
    expect(broker.served()).toBe(1);
  });

  it('refuses a missing or wrong key, and unknown names', async () => {
    expect((await fetch(`${broker.url}/token?env=S2S_TOKEN_DIRECT_0`)).status).toBe(403);
    expect((await fetch(`${broker.url}/token?env=S2S_TOKEN_DIRECT_0`, { headers: { [BROKER_KEY_HEADER]: 'x'.repeat(broker.key.length) } })).status).toBe(403);
    expect((await fetch(`${broker.url}/token?env=OTHER`, { headers: { [BROKER_KEY_HEADER]: broker.key } })).status).toBe(404);
    expect(broker.served()).toBe(1);
  });

  it('a failing source gives 502 without echoing any token', async () => {
    const b = await startTokenBroker({ E: 'boom' }, async () => {
      throw new Error('failed with eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig inside');
    });
    try {
      const res = await fetch(`${b.url}/token?env=E`, { headers: { [BROKER_KEY_HEADER]: b.key } });
      expect(res.status).toBe(502);
      expect(await res.text()).not.toMatch(/eyJ/);
    } finally {
      await b.close();
    }
  });
});
