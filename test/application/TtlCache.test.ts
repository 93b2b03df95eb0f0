import { assert, describe, it } from "@effect/vitest"
import { TtlCache } from "../../src/application/TtlCache.ts"

describe("TtlCache", () => {
  it("expires entries after the time-to-live and drops them when met", () => {
    const cache = new TtlCache<string, number>({ capacity: 10, ttlMillis: 1000 })
    cache.set("a", 1, 0)
    assert.strictEqual(cache.get("a", 999), 1)
    assert.isUndefined(cache.get("a", 1000))
    assert.strictEqual(cache.size, 0)
  })

  it("evicts the least recently used entries beyond capacity (a hit refreshes an entry)", () => {
    const cache = new TtlCache<string, number>({ capacity: 2, ttlMillis: 1000 })
    cache.set("a", 1, 0)
    cache.set("b", 2, 0)
    cache.get("a", 1)
    cache.set("c", 3, 2)
    assert.deepStrictEqual([cache.get("a", 3), cache.get("b", 3), cache.get("c", 3)], [1, undefined, 3])
  })

  it("past capacity, the least recently used tenth goes at once, never more than capacity kept", () => {
    const cache = new TtlCache<string, number>({ capacity: 20, ttlMillis: 1000 })
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, i, 0)
    cache.get("k0", 1)
    cache.set("k20", 20, 2)
    // 21 entries: down to 18, the three least recently used (k1, k2, k3) gone, the refreshed k0 kept
    assert.strictEqual(cache.size, 18)
    assert.deepStrictEqual(["k0", "k1", "k2", "k3", "k4", "k20"].map((k) => cache.get(k, 3)), [0, undefined, undefined, undefined, 4, 20])
    for (let i = 21; i < 1_000; i++) {
      cache.set(`k${i}`, i, 4)
      assert.isAtMost(cache.size, 20)
    }
    assert.strictEqual(cache.get("k999", 5), 999)
  })

  it("60,000 users through a 10,000-entry cache: never above capacity, the newest kept, the oldest gone", () => {
    const cache = new TtlCache<string, number>({ capacity: 10_000, ttlMillis: 1000 })
    const keys = Array.from({ length: 60_000 }, (_, i) => `user${i}@contoso.example`)
    for (const [i, key] of keys.entries()) cache.set(key, i, 0)
    assert.isAtMost(cache.size, 10_000)
    assert.strictEqual(cache.get(keys.at(-1)!, 1), 59_999)
    assert.isUndefined(cache.get(keys[0]!, 1))
  })

  it("a time-to-live of 0 stores nothing", () => {
    const cache = new TtlCache<string, number>({ capacity: 2, ttlMillis: 0 })
    cache.set("a", 1, 0)
    assert.strictEqual(cache.size, 0)
  })
})
