import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Json } from "../../../src/sandbox/exchange/Output.ts"
import * as Paging from "../../../src/sandbox/exchange/Paging.ts"
import { client, command, exchangeToken, INVOKE, json, post, services } from "./FaceHarness.ts"

/** `n` objects that count how many were read. */
const counted = (n: number) => {
  const counter = { reads: 0 }
  const objects: Iterable<Json> = {
    *[Symbol.iterator]() {
      for (let i = 0; i < n; i++) {
        counter.reads++
        yield { i }
      }
    }
  }
  return { objects, counter }
}

describe("Paging.takePage (spec §3.3)", () => {
  it("a parked cursor continues the results: a page reads page-size objects, not the offset before it", () => {
    const { objects, counter } = counted(5000)
    const first = Paging.takePage(objects, "Unlimited", 0, 1000)
    assert.strictEqual(counter.reads, 1001)
    assert.isTrue(first.hasMore)
    let page = first
    let offset = 1000
    while (page.hasMore) {
      const before = counter.reads
      page = Paging.takePage(objects, "Unlimited", offset, 1000, page.cursor)
      assert.isAtMost(counter.reads - before, 1000)
      assert.strictEqual(page.objects[0]!["i"], offset)
      offset += page.objects.length
    }
    assert.strictEqual(offset, 5000)
    assert.strictEqual(counter.reads, 5000)
  })

  it("without a cursor (or one parked elsewhere) it walks to the offset; ResultSize still cuts", () => {
    const { objects } = counted(30)
    const first = Paging.takePage(objects, 25, 0, 10)
    const walked = Paging.takePage(objects, 25, 10, 10)
    const misplaced = Paging.takePage(objects, 25, 10, 10, { ...first.cursor!, index: 11 })
    assert.deepStrictEqual(walked.objects.map((o) => o["i"]), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    assert.deepStrictEqual(misplaced.objects, walked.objects)
    const last = Paging.takePage(objects, 25, 20, 10, walked.cursor)
    assert.deepStrictEqual(last.objects.map((o) => o["i"]), [20, 21, 22, 23, 24])
    assert.deepStrictEqual([last.hasMore, last.truncated, last.cursor], [false, true, undefined])
  })
})

describe("ExchangeFace: nextLinks over parked cursors", () => {
  it.effect("following, retrying and re-following a nextLink give the same pages; $select survives", () =>
    Effect.gen(function*() {
      const send = yield* client
      const authorization = `Bearer ${yield* exchangeToken()}`
      const members = Array.from({ length: 25 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@contoso.example`)
      yield* send(post(INVOKE, command("New-DistributionGroup", { Name: "Big", ManagedBy: "adele.vance@contoso.example", Members: members }), { authorization }))
      const list = command("Get-DistributionGroupMember", { Identity: "Big", ResultSize: "Unlimited" })
      const headers = { authorization, prefer: "odata.maxpagesize=10" }
      const addresses = (body: Record<string, any>) => body["value"].map((m: Record<string, string>) => m["PrimarySmtpAddress"])
      const first = yield* json(yield* send(post(`${INVOKE}?$select=PrimarySmtpAddress`, list, headers)))
      const next: string = first["@odata.nextLink"]
      const second = yield* json(yield* send(post(next, list, headers)))
      const retried = yield* json(yield* send(post(next, list, headers)))
      assert.deepStrictEqual(addresses(second), members.slice(10, 20))
      assert.deepStrictEqual(addresses(retried), addresses(second))
      assert.deepStrictEqual(Object.keys(second["value"][0]), ["PrimarySmtpAddress"])
      const third = yield* json(yield* send(post(second["@odata.nextLink"], list, headers)))
      const thirdAgain = yield* json(yield* send(post(retried["@odata.nextLink"], list, headers)))
      assert.deepStrictEqual(addresses(third), members.slice(20))
      assert.deepStrictEqual(addresses(thirdAgain), members.slice(20))
    }).pipe(Effect.provide(services({ tenant: { generatedUsers: 100 } }))))
})
