import argon2 from 'argon2';

/**
 * argon2id at OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane).
 * The encoded hash records its parameters, so raising them later only
 * affects new hashes.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export class Passwords {
  /** A hash of nothing anyone knows: verifying against it costs what a real check costs. */
  private constructor(private readonly decoy: string) {}

  static async create(): Promise<Passwords> {
    return new Passwords(await argon2.hash(`decoy-${Math.random()}`, ARGON2_OPTIONS));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /**
   * True when `password` matches `hash`. With no hash (unknown user) it still
   * runs a full verification, so the answer takes the same time either way.
   */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const ok = await argon2.verify(hash ?? this.decoy, password);
    return ok && hash !== undefined;
  }
}
