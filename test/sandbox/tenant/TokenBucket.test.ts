/** The continuously refilled token bucket behind Graph's resource-unit throttle (spec: graph-and-identity.md §5). */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { type Bucket, type BucketLimit, refill, take, unitsIn } from "../../../src/sandbox/tenant/TokenBucket.ts"

const limit: BucketLimit = { capacity: 8_000, windowMillis: 10_000 }

const limitArb = fc.record({ capacity: fc.integer({ min: 1, max: 10_000 }), windowMillis: fc.integer({ min: 1, max: 60_000 }) })
/** A sequence of requests: milliseconds since the previous one and its cost. */
const stepsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 8 })), { maxLength: 200 })

describe("TokenBucket", () => {
  it("starts full, spends what it admits and refills at capacity per window", () => {
    const first = take(undefined, 5, limit, 1_000)
    assert.strictEqual(first._tag, "Admitted")
    assert.strictEqual(unitsIn(first.bucket, limit), 7_995)
    // 8,000 units per 10 s = 0.8 per ms: 5 units come back in 6.25 ms.
    assert.strictEqual(unitsIn(refill(first.bucket, limit, 1_006), limit), 7_999.8)
    assert.strictEqual(unitsIn(refill(first.bucket, limit, 1_007), limit), 8_000)
    assert.strictEqual(unitsIn(refill(first.bucket, limit, 99_999), limit), 8_000)
  })

  it("refuses a cost the bucket does not hold, takes nothing, and names the whole seconds until it does", () => {
    let bucket: Bucket | undefined
    for (let i = 0; i < 4_000; i++) bucket = (take(bucket, 2, limit, 0) as { bucket: Bucket }).bucket
    assert.strictEqual(unitsIn(bucket!, limit), 0)
    const refused = take(bucket, 3, limit, 0)
    assert.strictEqual(refused._tag, "Refused")
    assert.strictEqual(refused._tag === "Refused" && refused.retryAfterSeconds, 1)
    assert.strictEqual(unitsIn(refused.bucket, limit), 0)
    // 4,000 units short at 0.8 per ms: 5,000 ms.
    const far = take({ level: 0, at: 0 }, 4_000, limit, 0)
    assert.strictEqual(far._tag === "Refused" && far.retryAfterSeconds, 5)
    assert.strictEqual(take({ level: 0, at: 0 }, 4_000, limit, 4_999)._tag, "Refused")
    assert.strictEqual(take({ level: 0, at: 0 }, 4_000, limit, 5_000)._tag, "Admitted")
  })

  it("a cost above the capacity passes on a full bucket and empties it", () => {
    const small = { capacity: 3, windowMillis: 10_000 }
    const taken = take(undefined, 5, small, 0)
    assert.strictEqual(taken._tag, "Admitted")
    assert.strictEqual(unitsIn(taken.bucket, small), 0)
  })

  it("a shrunken capacity caps the level at the next refill", () => {
    const full = refill(undefined, limit, 0)
    assert.strictEqual(unitsIn(refill(full, { capacity: 3_500, windowMillis: 10_000 }, 0), { capacity: 3_500, windowMillis: 10_000 }), 3_500)
  })

  it("never admits more than the capacity plus the refill since the first request", () => {
    fc.assert(
      fc.property(limitArb, stepsArb, (lim, steps) => {
        let bucket: Bucket | undefined
        let now = 0
        let admitted = 0
        for (const [gap, cost] of steps) {
          now += gap
          const taken = take(bucket, cost, lim, now)
          if (taken._tag === "Admitted") admitted += Math.min(cost, lim.capacity)
          bucket = taken.bucket
        }
        return admitted <= lim.capacity + (now * lim.capacity) / lim.windowMillis
      })
    )
  })

  it("Retry-After is at least 1 and exact: the same request passes after it and not a second before", () => {
    fc.assert(
      fc.property(limitArb, stepsArb, fc.integer({ min: 1, max: 20 }), (lim, steps, cost) => {
        let bucket: Bucket | undefined
        let now = 0
        for (const [gap, c] of steps) {
          now += gap
          bucket = take(bucket, c, lim, now).bucket
        }
        const taken = take(bucket, cost, lim, now)
        if (taken._tag === "Admitted") return true
        const after = taken.retryAfterSeconds * 1000
        return taken.retryAfterSeconds >= 1 &&
          take(taken.bucket, cost, lim, now + after)._tag === "Admitted" &&
          (after === 1000 || take(taken.bucket, cost, lim, now + after - 1000)._tag === "Refused")
      })
    )
  })

  it("a refused request leaves the bucket as a mere refill would", () => {
    fc.assert(
      fc.property(limitArb, stepsArb, fc.integer({ min: 0, max: 5_000 }), (lim, steps, gap) => {
        let bucket: Bucket | undefined
        let now = 0
        for (const [g, c] of steps) {
          now += g
          bucket = take(bucket, c, lim, now).bucket
        }
        const taken = take(bucket, lim.capacity + 1, lim, now + gap)
        const refilled = refill(bucket, lim, now + gap)
        return taken._tag === "Admitted"
          ? refilled.level === lim.capacity * lim.windowMillis && taken.bucket.level === 0
          : taken.bucket.level === refilled.level
      })
    )
  })
})
