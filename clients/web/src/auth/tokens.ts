/** One access token and when it stops working. */
export interface AccessToken {
  value: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** How to get a fresh token for an audience (the refresh grant). */
export type Refresher = (audience: string) => Promise<AccessToken>;

/**
 * The signed-in browser's tokens, in memory only (never in storage a script or extension can read
 * later): one per audience, each refreshed before it expires, all forgotten on sign-out.
 */
export class TokenStore {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pending = new Map<string, Promise<AccessToken>>();

  /**
   * @param refresher gets a fresh token for an audience
   * @param onExpired told once when a refresh fails for good (the issuer ended the sign-in)
   */
  constructor(
    private readonly refresher: Refresher,
    private readonly onExpired: (reason: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps {@code token} for {@code audience} and plans its refresh at 80% of its life. */
  put(audience: string, token: AccessToken): void {
    this.tokens.set(audience, token);
    clearTimeout(this.timers.get(audience));
    const life = token.expiresAt - this.now();
    const delay = Math.max(1_000, life * 0.8);
    this.timers.set(
      audience,
      setTimeout(() => {
        this.refresh(audience).catch(() => undefined);
      }, delay),
    );
  }

  /** A token for {@code audience} that has at least 30 s left, refreshing it when needed. */
  async get(audience: string): Promise<string> {
    const token = this.tokens.get(audience);
    if (token && token.expiresAt - this.now() > 30_000) {
      return token.value;
    }
    return (await this.refresh(audience)).value;
  }

  /** Whether anything is held. */
  get signedIn(): boolean {
    return this.tokens.size > 0;
  }

  /** Forgets every token and stops every planned refresh. */
  clear(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.tokens.clear();
    this.pending.clear();
  }

  private refresh(audience: string): Promise<AccessToken> {
    const running = this.pending.get(audience);
    if (running) {
      return running;
    }
    const next = this.refresher(audience)
      .then((token) => {
        this.put(audience, token);
        return token;
      })
      .catch((e: unknown) => {
        this.clear();
        this.onExpired(e);
        throw e;
      })
      .finally(() => this.pending.delete(audience));
    this.pending.set(audience, next);
    return next;
  }
}
