import { HmacJwt } from '@feedmesh/common';

export interface AccessClaims {
  userId: string;
  username: string;
}

/** Access tokens handed to clients: HS256, with sub, iat, nbf, exp, iss, aud and a unique jti. */
export class Tokens {
  private readonly jwt: HmacJwt;

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.jwt = new HmacJwt(secret, { issuer: 'feedmesh-auth', audience: 'feedmesh', ttlSeconds, uniqueId: true });
  }

  issue(claims: AccessClaims): Promise<string> {
    return this.jwt.sign({ subject: claims.userId, name: claims.username });
  }

  /** Rejects anything but an unexpired HS256 token of ours carrying every claim. */
  async verify(token: string): Promise<AccessClaims> {
    const { subject, name } = await this.jwt.verify(token);
    return { userId: subject, username: name };
  }
}
