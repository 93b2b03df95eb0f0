import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { isListNotFound, lookupKey, type NotFoundAnswer, NotFoundCache, plan } from "../../../src/adapters/http/NotFoundCache.ts"

const answer: NotFoundAnswer = { headers: ["content-type", "application/json", "x-request-id", ""], requestIdAt: 3, body: "{}" }
const byKey = { "x-api-key": "k" }

describe("NotFoundCache", () => {
  it("answers a kept 404 until its time-to-live ends", () => {
    const cache = new NotFoundCache({ ttlMillis: 2_000 })
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 1_000)
    assert.strictEqual(cache.answerFor("/api/dl/a", 2_999), answer)
    assert.isUndefined(cache.answerFor("/api/dl/A", 2_999), "paths are keys as written")
    assert.isUndefined(cache.answerFor("/api/dl/a", 3_000))
  })

  it("drops a path the pipeline answered otherwise, keeps no long path, and can be turned off", () => {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    cache.keep("/api/dl/b", cache.lookupStarts(), answer, 0)
    cache.drop("/api/dl/a")
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
    assert.strictEqual(cache.answerFor("/api/dl/b", 1), answer)
    cache.keep(`/api/dl/${"x".repeat(600)}`, cache.lookupStarts(), answer, 0)
    assert.strictEqual(cache.size, 1, "a 600-character id is not kept")
    cache.turnOff()
    assert.isFalse(cache.enabled)
    assert.isUndefined(cache.answerFor("/api/dl/b", 1))
    cache.keep("/api/dl/b", cache.lookupStarts(), answer, 0)
    assert.strictEqual(cache.size, 0)
  })

  it("holds at most its capacity", () => {
    const cache = new NotFoundCache({ ttlMillis: 60_000, capacity: 100 })
    for (let i = 0; i < 1_000; i++) cache.keep(`/api/dl/n${i}`, cache.lookupStarts(), answer, 0)
    assert.isAtMost(cache.size, 100)
    assert.strictEqual(cache.answerFor("/api/dl/n999", 1), answer)
  })

  it("keeps nothing when its time-to-live is 0", () => {
    const cache = new NotFoundCache({ ttlMillis: 0 })
    assert.isFalse(cache.enabled)
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    assert.isUndefined(cache.answerFor("/api/dl/a", 0))
  })

  it("forgets everything when a change starts, and answers nothing while one is under way", () => {
    const cache = new NotFoundCache({ ttlMillis: 2_000 })
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    cache.changeStarts()
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
    cache.keep("/api/dl/b", cache.lookupStarts(), answer, 1)
    assert.isUndefined(cache.answerFor("/api/dl/b", 2), "not kept during a change")
    cache.changeEnds()
    assert.strictEqual(cache.size, 0)
    cache.keep("/api/dl/b", cache.lookupStarts(), answer, 3)
    assert.strictEqual(cache.answerFor("/api/dl/b", 4), answer)
  })

  it("does not keep a lookup that overlapped a change: its 404 may predate the list", () => {
    const cache = new NotFoundCache({ ttlMillis: 2_000 })
    const before = cache.lookupStarts()
    cache.changeStarts()
    cache.changeEnds()
    cache.keep("/api/dl/a", before, answer, 0)
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
    // and one that started during a change but ended after it
    cache.changeStarts()
    const during = cache.lookupStarts()
    cache.changeEnds()
    cache.keep("/api/dl/a", during, answer, 0)
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
  })

  it("counts overlapping changes: answers wait for the last one", () => {
    const cache = new NotFoundCache({ ttlMillis: 2_000 })
    cache.changeStarts()
    cache.changeStarts()
    cache.changeEnds()
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
    cache.changeEnds()
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    assert.strictEqual(cache.answerFor("/api/dl/a", 1), answer)
  })
})

describe("NotFoundCache shared with other instances", () => {
  it("keeps and answers only while their changes are known to have been heard", () => {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    cache.coordinate(Effect.void)
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    assert.strictEqual(cache.size, 0, "nothing before the first read")
    cache.heard(300)
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    assert.strictEqual(cache.answerFor("/api/dl/a", 300), answer)
    assert.isUndefined(cache.answerFor("/api/dl/a", 301), "no read since: maybe a change was missed")
    cache.heard(1_000)
    assert.strictEqual(cache.answerFor("/api/dl/a", 301), answer)
  })

  it("forgets at another instance's change, and lookups under way are not kept", () => {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    cache.keep("/api/dl/a", cache.lookupStarts(), answer, 0)
    const under = cache.lookupStarts()
    cache.forget()
    assert.isUndefined(cache.answerFor("/api/dl/a", 1))
    cache.keep("/api/dl/b", under, answer, 1)
    assert.strictEqual(cache.size, 0)
  })
})

describe("plan", () => {
  it("answers only through a usable gate, and writes the mark whenever instances share a Redis", () => {
    const rows: Array<[boolean, boolean, boolean, string]> = [
      // cacheOn, gateUsable, sharedRedis → answers turnOff readsMarks writesMarks
      [true, true, false, "answers"],
      [true, true, true, "answers readsMarks writesMarks"],
      [true, false, false, "turnOff"],
      [true, false, true, "turnOff writesMarks"],
      [false, true, true, "writesMarks"],
      [false, false, false, ""]
    ]
    for (const [cacheOn, gateUsable, sharedRedis, expected] of rows) {
      const decided = plan({ cacheOn, gateUsable, sharedRedis })
      const on = (["answers", "turnOff", "readsMarks", "writesMarks"] as const).filter((k) => decided[k]).join(" ")
      assert.strictEqual(on, expected, JSON.stringify({ cacheOn, gateUsable, sharedRedis }))
    }
  })
})

describe("lookupKey", () => {
  it("is the path of a plain list lookup by API key", () => {
    assert.strictEqual(lookupKey("GET", "/api/dl/Marketing%20Team", byKey), "/api/dl/Marketing%20Team")
  })

  it("is undefined for anything whose answer the pipeline must decide", () => {
    const cases: Array<[string, string, Record<string, string>]> = [
      ["HEAD", "/api/dl/a", byKey],
      ["DELETE", "/api/dl/a", byKey],
      ["GET", "/api/dl/", byKey],
      ["GET", "/api/dl/a/members", byKey],
      ["GET", "/api/dl/a?membersPageSize=10", byKey],
      ["GET", "/api/dl/a#x", byKey],
      ["GET", "/api/dlx/a", byKey],
      ["GET", "/api/dl/a", {}],
      ["GET", "/api/dl/a", { ...byKey, authorization: "Bearer x" }],
      ["GET", "/api/dl/a", { ...byKey, origin: "https://portal.contoso.example" }],
      ["GET", "/api/dl/a", { ...byKey, "x-anchormailbox": "SMTP:a@contoso.example" }],
      ["GET", "/api/dl/a", { ...byKey, "content-length": "2000000" }],
      ["GET", "/api/dl/a", { ...byKey, "transfer-encoding": "chunked" }]
    ]
    for (const [method, url, headers] of cases) assert.isUndefined(lookupKey(method, url, headers), `${method} ${url} ${JSON.stringify(headers)}`)
  })

  it("tells a list's 404 from a route's", () => {
    const bytes = (text: string) => new TextEncoder().encode(text)
    assert.isTrue(isListNotFound(bytes(`{"error":"Distribution List not found","details":"x"}`)))
    assert.isFalse(isListNotFound(bytes(`{"error":"Not Found","details":"x"}`)))
    assert.isFalse(isListNotFound(bytes(`{"error":"User(s) not found","details":[]}`)))
    assert.isFalse(isListNotFound(bytes("")))
  })
})
