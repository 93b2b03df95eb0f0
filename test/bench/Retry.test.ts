import { assert, describe, it } from "@effect/vitest"
import { memberPolicy, retrying, verifyPolicy, waitSeconds } from "../../bench/baseline/Retry.ts"

describe("the seed's Tenacity waits", () => {
  it("member operations wait 2, 2, 4, 8 s between 5 attempts", () => {
    assert.deepStrictEqual([1, 2, 3, 4].map((n) => waitSeconds(memberPolicy, n)), [2, 2, 4, 8])
  })

  it("verification waits 5, 5, 5, 8, 16 s between 6 attempts", () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5].map((n) => waitSeconds(verifyPolicy, n)), [5, 5, 5, 8, 16])
  })

  it("caps at the maximum", () => {
    assert.strictEqual(waitSeconds(verifyPolicy, 10), 30)
  })
})

describe("retrying", () => {
  const fakeSleep = (log: Array<number>) => (ms: number) => {
    log.push(ms)
    return Promise.resolve()
  }

  it("retries retryable errors and returns the first success", async () => {
    const slept: Array<number> = []
    let calls = 0
    const value = await retrying(memberPolicy, () => true, async () => {
      calls++
      if (calls < 3) throw new Error("transient")
      return "ok"
    }, fakeSleep(slept))
    assert.strictEqual(value, "ok")
    assert.strictEqual(calls, 3)
    assert.deepStrictEqual(slept, [2000, 2000])
  })

  it("gives up after the last attempt with the last error", async () => {
    const slept: Array<number> = []
    let calls = 0
    const error = await retrying(memberPolicy, () => true, async () => {
      calls++
      throw new Error(`fail ${calls}`)
    }, fakeSleep(slept)).catch((e: Error) => e)
    assert.strictEqual((error as Error).message, "fail 5")
    assert.deepStrictEqual(slept, [2000, 2000, 4000, 8000])
  })

  it("does not retry an error the policy rejects", async () => {
    const slept: Array<number> = []
    let calls = 0
    await retrying(memberPolicy, () => false, async () => {
      calls++
      throw new Error("fatal")
    }, fakeSleep(slept)).catch(() => undefined)
    assert.strictEqual(calls, 1)
    assert.deepStrictEqual(slept, [])
  })
})
