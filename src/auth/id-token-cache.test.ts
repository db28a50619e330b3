// The ID-token cache: one fetch shared by concurrent callers, refresh before expiry, redacted errors,
// and the real google-auth-library path against the metadata emulator.
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetadataEmulator, type MetadataEmulator } from '../platforms/local/metadata-emulator.ts';
import { IdTokenCache, IdTokenError } from './id-token-cache.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function tokenFor(audience: string, iatSec: number, lifetimeSec: number): Promise<string> {
  return new SignJWT({ email: 'ping-sa@x' })
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience(audience)
    .setIssuedAt(iatSec)
    .setExpirationTime(iatSec + lifetimeSec)
    .sign(privateKey);
}

describe('IdTokenCache', () => {
  it('shares one fetch between concurrent first requests and keeps one provider per audience', async () => {
    let fetches = 0;
    let providers = 0;
    const cache = new IdTokenCache({
      providerFor: async () => {
        providers++;
        return {
          fetchIdToken: async (aud) => {
            fetches++;
            return tokenFor(aud, Math.floor(Date.now() / 1000), 3600);
          },
        };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.get('https://a.example')));
    expect(new Set(tokens).size).toBe(1);
    expect(fetches).toBe(1);
    expect(cache.peek('https://a.example')).toBe(tokens[0]);
    await cache.get('https://b.example');
    expect(providers).toBe(2);
    expect(fetches).toBe(2);
  });

  it('fetches again shortly before exp (decoded without verifying)', async () => {
    let nowMs = 1_700_000_000_000;
    let fetches = 0;
    const cache = new IdTokenCache({
      nowMs: () => nowMs,
      providerFor: async () => ({
        fetchIdToken: async (aud) => {
          fetches++;
          return tokenFor(aud, Math.floor(nowMs / 1000), 3600);
        },
      }),
    });
    await cache.get('https://a.example');
    nowMs += 50 * 60_000;
    await cache.get('https://a.example');
    expect(fetches).toBe(1);
    nowMs += 6 * 60_000; // 4 min before exp: inside the 5 min margin
    expect(cache.peek('https://a.example')).toBeUndefined();
    await cache.get('https://a.example');
    expect(fetches).toBe(2);
  });

  it('wraps failures in IdTokenError naming the audience, with any JWT redacted, and retries next time', async () => {
    let fail = true;
    const cache = new IdTokenCache({
      providerFor: async () => ({
        fetchIdToken: async (aud) => {
          if (fail) throw new Error('Invalid token signature: eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln');
          return tokenFor(aud, Math.floor(Date.now() / 1000), 3600);
        },
      }),
    });
    const err = await cache.get('https://a.example').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdTokenError);
    expect((err as Error).message).toContain('https://a.example');
    expect((err as Error).message).not.toContain('eyJ');
    fail = false;
    expect(await cache.get('https://a.example')).toMatch(/^eyJ/);
  });
});

describe('IdTokenCache with google-auth-library and the metadata emulator', () => {
  let emu: MetadataEmulator;
  const saved = { ...process.env };

  beforeAll(async () => {
    emu = await startMetadataEmulator({ email: 'ping-sa@s2s-local.iam.gserviceaccount.com', projectId: 's2s-local' });
    process.env.GCE_METADATA_HOST = emu.host;
    process.env.GOOGLE_CLOUD_PROJECT = emu.projectId;
    process.env.METADATA_SERVER_DETECTION = 'assume-present';
  });

  afterAll(async () => {
    process.env = saved;
    await emu?.stop();
  });

  it('fetches a token for the audience once, through the real ID-token client', async () => {
    const cache = new IdTokenCache();
    const [a, b] = await Promise.all([cache.get('https://pong.example'), cache.get('https://pong.example')]);
    expect(a).toBe(b);
    const claims = JSON.parse(Buffer.from(a!.split('.')[1]!, 'base64url').toString()) as { aud: string; email: string };
    expect(claims).toMatchObject({ aud: 'https://pong.example', email: 'ping-sa@s2s-local.iam.gserviceaccount.com' });
    expect(emu.fetchCount).toBe(1);
  });
});
