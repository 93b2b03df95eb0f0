import { assert, describe, it } from "@effect/vitest"
import { extrapolateLinear, median, percentile } from "../../bench/lib/Percentiles.ts"

describe("percentile", () => {
  it("uses the nearest rank on an unsorted sample", () => {
    const sample = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100]
    assert.strictEqual(percentile(sample, 50), 50)
    assert.strictEqual(percentile(sample, 99), 100)
    assert.strictEqual(percentile(sample, 10), 10)
    assert.strictEqual(percentile(sample, 0), 10)
    assert.strictEqual(median([3, 1, 2]), 2)
  })

  it("is NaN for an empty sample and the value itself for one", () => {
    assert.isNaN(percentile([], 50))
    assert.strictEqual(percentile([7], 99), 7)
  })

  it("does not reorder the caller's array", () => {
    const sample = [3, 1, 2]
    percentile(sample, 50)
    assert.deepStrictEqual(sample, [3, 1, 2])
  })
})

describe("extrapolateLinear", () => {
  it("keeps the fixed cost and scales the per-member cost", () => {
    // 10 members: 24 calls; 100 members: 204 calls → 2 per member + 4 fixed
    assert.strictEqual(extrapolateLinear({ x: 10, y: 24 }, { x: 100, y: 204 }, 1000), 2004)
    assert.strictEqual(extrapolateLinear({ x: 100, y: 204 }, { x: 100, y: 204 }, 1000), 2040)
  })
})
