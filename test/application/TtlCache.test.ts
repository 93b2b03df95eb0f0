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

  it("a time-to-live of 0 stores nothing", () => {
    const cache = new TtlCache<string, number>({ capacity: 2, ttlMillis: 0 })
    cache.set("a", 1, 0)
    assert.strictEqual(cache.size, 0)
  })
})
