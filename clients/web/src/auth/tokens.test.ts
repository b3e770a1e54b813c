import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenStore } from "./tokens.js";

describe("the token store", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("refreshes a token at 80% of its life, before it expires", async () => {
    let n = 0;
    const refresher = vi.fn(async (audience: string) => ({ value: `${audience}-${++n}`, expiresAt: Date.now() + 100_000 }));
    const store = new TokenStore(refresher);
    store.put("nexus-management", { value: "first", expiresAt: Date.now() + 100_000 });
    expect(await store.get("nexus-management")).toBe("first");
    await vi.advanceTimersByTimeAsync(79_000);
    expect(refresher).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(refresher).toHaveBeenCalledWith("nexus-management");
    expect(await store.get("nexus-management")).toBe("nexus-management-1");
  });

  it("fetches a token for another audience once, however many calls ask at the same time", async () => {
    const refresher = vi.fn(async (audience: string) => ({ value: audience, expiresAt: Date.now() + 600_000 }));
    const store = new TokenStore(refresher);
    const all = await Promise.all([store.get("nexus-gateway"), store.get("nexus-gateway"), store.get("nexus-gateway")]);
    expect(all).toEqual(["nexus-gateway", "nexus-gateway", "nexus-gateway"]);
    expect(refresher).toHaveBeenCalledTimes(1);
  });

  it("forgets everything on sign-out and plans no more refreshes", async () => {
    const refresher = vi.fn(async () => ({ value: "again", expiresAt: Date.now() + 100_000 }));
    const store = new TokenStore(refresher);
    store.put("nexus-management", { value: "first", expiresAt: Date.now() + 100_000 });
    store.clear();
    expect(store.signedIn).toBe(false);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(refresher).not.toHaveBeenCalled();
  });

  it("says once that the sign-in ended when a refresh is refused, and forgets everything", async () => {
    const onExpired = vi.fn();
    const store = new TokenStore(async () => Promise.reject(new Error("invalid_grant")), onExpired);
    store.put("nexus-management", { value: "first", expiresAt: Date.now() + 100_000 });
    await expect(store.get("nexus-gateway")).rejects.toThrow("invalid_grant");
    expect(onExpired).toHaveBeenCalledOnce();
    expect(store.signedIn).toBe(false);
  });
});
