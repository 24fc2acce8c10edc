import { stack, stackAssertions, type TestUser } from '@feedmesh/testkit';
import { SignJWT } from 'jose';

const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * Access tokens for the user `holder` returns that the gateway must refuse, each with what is
 * wrong with it. Claims mirror a real token's, so each case differs from a
 * valid token in one way only.
 */
export function badTokens(holder: () => TestUser): Array<[string, () => Promise<string>]> {
  const key = new TextEncoder().encode(stack.jwtSecret);
  const claims = () => ({
    sub: holder().id,
    name: holder().username,
    iss: 'feedmesh-auth',
    aud: 'feedmesh',
    jti: 'x',
    iat: now(),
    nbf: now(),
    exp: now() + 600,
  });
  const hs256 = (payload: object) => new SignJWT({ ...payload }).setProtectedHeader({ alg: 'HS256' }).sign(key);
  return [
    ['garbage', async () => 'garbage'],
    ['unsigned (alg: none)', async () => `${b64({ alg: 'none' })}.${b64(claims())}.`],
    [
      'unsigned (alg: None), signature kept',
      async () => `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims())}.${(await hs256(claims())).split('.')[2]}`,
    ],
    [
      'signed with another key',
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode('another-key-of-at-least-32-bytes!!')),
    ],
    ['signed with HS512 and the right key', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(key)],
    ['expired', () => hs256({ ...claims(), iat: now() - 90_000, nbf: now() - 90_000, exp: now() - 3_600 })],
    ['not yet valid', () => hs256({ ...claims(), nbf: now() + 3_600 })],
    ['from another issuer', () => hs256({ ...claims(), iss: 'someone-else' })],
    ['for another audience', () => hs256({ ...claims(), aud: 'feedmesh-services' })],
    ['without an expiry', async () => hs256(Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== 'exp')))],
    [
      'an identity assertion instead of an access token',
      async () => (await stackAssertions()).sign({ userId: holder().id, username: holder().username }),
    ],
  ];
}
