import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { Transient, UpstreamError } from "../../src/application/ports/UpstreamError.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, withTime } from "../support/Harness.ts"

const { callsOf, failNext, seedGroup, transient, user } = FakeTenant
const users = ["john", "jane", "m1", "m2", "m3", "m4"].map((name) => user(name))
const address = (name: string) => `${name}@contoso.example`
const bigUsers = ["owner", ...Array.from({ length: 30 }, (_, i) => `u${i}`)].map((name) => user(name))
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => address(`u${from + i}`))
// 429 whose Retry-After (120 s) is past RETRY_AFTER_MAX_S (60 s): the retries stop at once
const throttledLong = (op: string) =>
  new UpstreamError({ operation: op, reason: new Transient({ throttled: true, status: 429, retryAfterMillis: 120_000 }) })
// a 503 that came after Exchange applied the call (the reply was lost)
const lostReply = (op: string) => ({ error: transient(op), when: "after" as const })

const team = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const dl = seedGroup(tenant, { alias: "team", ownerIds: ["id-john", "id-jane"], members: ["m1", "m2", "john", "jane"].map(address) })
  return { dls: yield* DistributionLists, tenant, members: () => tenant.groups.get(dl.identity)!.members }
})

// The change rule: an error status means nothing was applied; a success status names what was not. These
// cover the calls whose reply was lost after Exchange applied them (a 503 "after"), and no-op members.
describe("member changes: what was applied, after lost replies and no-ops", () => {
  it.effect("a PATCH whose adds were all no-ops and whose removes failed changed nothing: an error, not a 200", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      // someone (an admin in EAC) adds m3 between our listing and our add: our add is a no-op ("Unchanged")
      const push = tenant.calls.push.bind(tenant.calls)
      tenant.calls.push = (...calls) => {
        if (calls.some((c) => c.op === "addMembers") && !members().includes(address("m3"))) members().push(address("m3"))
        return push(...calls)
      }
      failNext(tenant, "removeMembers", throttledLong("removeMembers"))
      const exit = yield* Effect.exit(withTime(dls.update("team", { memberEmails: [address("m2"), address("m3")] }, {})))
      // our request changed nothing (m1 still there, m3 was there before our add)
      assert.deepStrictEqual([...members()].sort(), ["jane", "john", "m1", "m2", "m3"].map(address))
      assert.strictEqual(exit._tag, "Failure", `nothing was applied, yet: ${JSON.stringify(exit)}`)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("POST /members: a lost reply then a long 429, every member added: a 200 (read back), not an error", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      failNext(tenant, "addMembers", lostReply("addMembers"), throttledLong("addMembers"))
      const exit = yield* Effect.exit(withTime(dls.addMembers("team", [address("m3"), address("m4")], {})))
      assert.includeMembers(members(), [address("m3"), address("m4")])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 2)
      assert.strictEqual(exit._tag, "Success", `members were added, yet: ${JSON.stringify(exit)}`)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("PATCH (no settings change): a lost reply then a long 429 on the adds, m3 added: a 200, not an error", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      failNext(tenant, "addMembers", lostReply("addMembers"), throttledLong("addMembers"))
      const exit = yield* Effect.exit(withTime(dls.update("team", { memberEmails: ["m1", "m2", "m3"].map(address) }, {})))
      assert.include(members(), address("m3"))
      assert.strictEqual(exit._tag, "Success", `m3 was added, yet: ${JSON.stringify(exit)}`)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("POST /dl: members added by a call whose reply was lost are not listed as not added", () =>
    Effect.gen(function*() {
      const tenant = yield* FakeTenant.FakeTenant
      const dls = yield* DistributionLists
      // m2 is unseen by Exchange once: the create goes with the owner only, the members are added afterwards
      tenant.unseenByExchange.set(address("m2"), 1)
      failNext(tenant, "addMembers", lostReply("addMembers"), throttledLong("addMembers"))
      const result = yield* withTime(dls.create({
        name: "Sales",
        ownerEmails: [address("john")],
        memberEmails: [address("m1"), address("m2")],
        allowExternalSenders: false
      }, {}))
      const stored = [...tenant.groups.values()].find(({ dl }) => dl.alias === "sales")!
      assert.includeMembers(stored.members, [address("m1"), address("m2")])
      assert.deepStrictEqual(result.failedMembers, [], `reported as not added: ${result.failedMembers.join(", ")}`)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("POST /members: lost reply, then the retry sees m3 'already a member' and m4 throttled for good: 200, not 429", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      tenant.memberFaults.set(address("m4"), [throttledLong("addMembers"), throttledLong("addMembers")])
      failNext(tenant, "addMembers", lostReply("addMembers"))
      const exit = yield* Effect.exit(withTime(dls.addMembers("team", [address("m3"), address("m4")], {})))
      assert.include(members(), address("m3"))
      assert.notInclude(members(), address("m4"))
      assert.deepStrictEqual(exit, Exit.succeed({ message: "Some members could not be added.", failed: [address("m4")] }))
    }).pipe(Effect.provide(appLayer(users))))
  it.effect("a replace applied but unanswered, then removes throttled: the rest starts from a read-back, nothing misreported", () =>
    Effect.gen(function*() {
      const tenant = yield* FakeTenant.FakeTenant
      const dl = seedGroup(tenant, { alias: "big", ownerIds: ["id-owner"], members: [address("owner"), ...range(0, 15)] })
      const dls = yield* DistributionLists
      failNext(tenant, "replaceMembers", { error: transient("replaceMembers"), when: "after" }, throttledLong("replaceMembers"))
      failNext(tenant, "removeMembers", throttledLong("removeMembers"))
      const exit = yield* Effect.exit(withTime(dls.update("big", { memberEmails: [...range(0, 5), ...range(15, 25)] }, {})))
      const members = tenant.groups.get(dl.identity)!.members
      assert.deepStrictEqual([...members].sort(), [address("owner"), ...range(0, 5), ...range(15, 25)].sort())
      assert.strictEqual(callsOf(tenant, "replaceMembers").length, 2)
      assert.deepStrictEqual(exit._tag === "Success" ? exit.value.failedMembers : exit, undefined)
    }).pipe(Effect.provide(appLayer(bigUsers))))

  it.effect("DELETE /members by another of a member's addresses, nothing removed: no read-back claims it was", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      tenant.proxyAddresses.set("m1.other@contoso.example", "id-m1")
      // a 503 before Exchange did anything, then throttled past RETRY_AFTER_MAX_S
      failNext(tenant, "removeMembers", transient("removeMembers"), throttledLong("removeMembers"))
      const exit = yield* Effect.exit(withTime(dls.removeMembers("team", ["m1.other@contoso.example"], {})))
      assert.include(members(), address("m1"))
      assert.strictEqual(exit._tag, "Failure", `nothing was removed, yet: ${JSON.stringify(exit)}`)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a large PATCH whose every write failed before it was applied changed nothing: an error status", () =>
    Effect.gen(function*() {
      const tenant = yield* FakeTenant.FakeTenant
      const dl = seedGroup(tenant, { alias: "big", ownerIds: ["id-owner"], members: [address("owner"), ...range(0, 15)] })
      const dls = yield* DistributionLists
      const push = tenant.calls.push.bind(tenant.calls)
      tenant.calls.push = (...calls) => {
        for (const call of calls) {
          if (call.op === "addMembers" || call.op === "removeMembers" || call.op === "replaceMembers") failNext(tenant, call.op, transient(call.op))
        }
        return push(...calls)
      }
      const before = [...tenant.groups.get(dl.identity)!.members]
      const exit = yield* Effect.exit(withTime(dls.update("big", { memberEmails: [...range(0, 5), ...range(15, 25)] }, {})))
      assert.deepStrictEqual(tenant.groups.get(dl.identity)!.members, before)
      assert.strictEqual(exit._tag, "Failure", `nothing was applied, yet: ${JSON.stringify(exit).slice(0, 300)}`)
    }).pipe(Effect.provide(appLayer(bigUsers))))

  it.effect("POST /members: a lost reply, then an outage the read-back meets too: 'outcome unknown' (a 502 saying so), not a 503 to retry", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* team
      const outage = (op: "addMembers" | "listMembers") => Array.from({ length: 40 }, () => transient(op))
      failNext(tenant, "addMembers", lostReply("addMembers"), ...outage("addMembers"))
      failNext(tenant, "listMembers", ...outage("listMembers"))
      const error = yield* Effect.flip(withTime(dls.addMembers("team", [address("m3")], {})))
      assert.include(members(), address("m3"))
      assert.strictEqual(error._tag, "UpstreamError")
      assert.strictEqual(error._tag === "UpstreamError" && error.reason._tag, "Failed")
      assert.include(error.message, "may have been applied")
    }).pipe(Effect.provide(appLayer(users))))
})
