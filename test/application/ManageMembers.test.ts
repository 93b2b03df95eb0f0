import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { RecipientNotFound, type Target } from "../../src/application/ports/GroupStore.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer, gaps, withTime } from "../support/Harness.ts"

const { callsOf, failed, failNext, seedGroup, transient, user } = FakeTenant
const users = ["john", "m1", "m2", "m3", "m4"].map((name) => user(name))

const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const dl = seedGroup(tenant, { alias: "team", ownerIds: ["id-john"], members: ["m1@contoso.example"] })
  const members = () => tenant.groups.get(dl.identity)!.members
  return { dls: yield* DistributionLists, tenant, dl, members }
})

describe("DistributionLists.addMembers", () => {
  it.effect("adds by identity; an existing member is skipped silently", () =>
    Effect.gen(function*() {
      const { dl, dls, members, tenant } = yield* setup
      const result = yield* dls.addMembers("team", ["M1@contoso.example", "m2@contoso.example", "m2@contoso.example"], {})
      assert.deepStrictEqual(result, { message: "All members added.", failed: [] })
      assert.deepStrictEqual(members(), ["m1@contoso.example", "m2@contoso.example"])
      const [add] = callsOf(tenant, "addMembers")
      assert.deepStrictEqual(add!.args, [{ identity: dl.identity, anchor: "team@contoso.example" }, [
        "m1@contoso.example",
        "m2@contoso.example"
      ]])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("validates every user first: 404 names all unknown ones, and nothing changes", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      const error = yield* Effect.flip(
        dls.addMembers("team", ["m2@contoso.example", "x@contoso.example", "Y@contoso.example"], {})
      )
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") assert.deepStrictEqual(error.addresses, ["x@contoso.example", "Y@contoso.example"])
      assert.deepStrictEqual(members(), ["m1@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("unknown users AND an absent DL: the users are reported (the seed validates them first)", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const error = yield* Effect.flip(dls.addMembers("nope", ["x@contoso.example"], {}))
      assert.strictEqual(error._tag, "UsersNotFound")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 for an absent DL (after the users are validated)", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const error = yield* Effect.flip(dls.addMembers("nope", ["m2@contoso.example"], {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
      assert.strictEqual(callsOf(tenant, "addMembers").length, 0)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("only pending members are sent again: throttled ones at once, unseen ones on the member schedule", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      tenant.unseenByExchange.set("m3@contoso.example", 2)
      tenant.memberFaults.set("m4@contoso.example", [transient("addMembers", 5000)])
      const result = yield* withTime(
        dls.addMembers("team", ["m2@contoso.example", "m3@contoso.example", "m4@contoso.example"], {})
      )
      assert.deepStrictEqual(result, { message: "All members added.", failed: [] })
      const adds = callsOf(tenant, "addMembers")
      assert.deepStrictEqual(adds.map((c) => c.args[1]), [
        ["m2@contoso.example", "m3@contoso.example", "m4@contoso.example"],
        ["m4@contoso.example"],
        ["m3@contoso.example"],
        ["m3@contoso.example"]
      ])
      // m4: Retry-After (5 s) beats the computed 0.5 s; m3: then 2 s and 4 s on the member schedule.
      assert.deepStrictEqual(gaps(adds), [5000, 2000, 4000])
      assert.deepStrictEqual(members().length, 4)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a member still throttled after every round and attempt is reported failed", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.memberFaults.set("m2@contoso.example", Array(100).fill(transient("addMembers")))
      const result = yield* withTime(dls.addMembers("team", ["m2@contoso.example", "m3@contoso.example"], {}))
      assert.deepStrictEqual(result.failed, ["m2@contoso.example"])
      // A run of 8 rounds (the transient schedule) that confirmed m3, then one that confirmed nothing: 16
      // calls, where retrying whole attempts on the member schedule made it 5 × 8.
      assert.strictEqual(callsOf(tenant, "addMembers").length, 16)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("an outage after the list was read: the member call is tried on the transient schedule once, not per member attempt", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "addMembers", ...Array(100).fill(transient("addMembers")))
      const failure = yield* Effect.flip(withTime(dls.addMembers("team", ["m2@contoso.example"], {})))
      assert.strictEqual(failure._tag, "UpstreamError")
      assert.strictEqual(callsOf(tenant, "addMembers").length, 8)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("runs of rounds that each make progress start fresh counts, five runs at most", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      // p<i> is throttled until the last round of the i-th run of 8 rounds
      const slow = [1, 2, 3, 4, 5, 6].map((i) => `p${i}@contoso.example`)
      slow.forEach((address, i) => tenant.memberFaults.set(address, Array(8 * (i + 1) - 1).fill(transient("addMembers"))))
      const result = yield* withTime(dls.addMembers("team", slow, {}))
      assert.deepStrictEqual(result.failed, ["p6@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 40)
    }).pipe(Effect.provide(appLayer([...users, ...[1, 2, 3, 4, 5, 6].map((i) => user(`p${i}`))]))))

  it.effect("a new run of rounds waits what the last failure asked for; one past RETRY_AFTER_MAX_S is not started", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      const wait = (times: number, millis: number) => Array(times).fill(transient("addMembers", millis))
      tenant.memberFaults.set("p1@contoso.example", wait(7, 30_000))
      tenant.memberFaults.set("p2@contoso.example", wait(100, 30_000))
      const result = yield* withTime(dls.addMembers("team", ["p1@contoso.example", "p2@contoso.example"], {}))
      assert.deepStrictEqual(result.failed, ["p2@contoso.example"])
      const calls = callsOf(tenant, "addMembers")
      assert.strictEqual(calls.length, 16)
      assert.isTrue(gaps(calls).every((gap) => gap >= 30_000), JSON.stringify(gaps(calls)))
      // past the limit (60 s): m2 went through, p3 is reported at once
      tenant.memberFaults.set("p3@contoso.example", wait(100, 120_000))
      const over = yield* withTime(dls.addMembers("team", ["p3@contoso.example", "m2@contoso.example"], {}))
      assert.deepStrictEqual(over.failed, ["p3@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 17)
    }).pipe(Effect.provide(appLayer([...users, user("p1"), user("p2"), user("p3")]))))

  it.effect("a call that keeps failing after some members were applied reports the rest, not a 503", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      // the first call applies m2 and throttles m3; every call after it fails whole
      tenant.memberFaults.set("m3@contoso.example", [transient("addMembers")])
      tenant.faults.set("addMembers", [undefined as never, ...Array(100).fill({ error: transient("addMembers") })])
      const result = yield* withTime(dls.addMembers("team", ["m2@contoso.example", "m3@contoso.example"], {}))
      assert.deepStrictEqual(result, { message: "Some members could not be added.", failed: ["m3@contoso.example"] })
      assert.include(members(), "m2@contoso.example")
      // a run that applied m2, then one that applied nothing
      assert.strictEqual(callsOf(tenant, "addMembers").length, 16)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("failed lists exactly the members not applied, in the caller's spelling", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      tenant.memberFaults.set("m2@contoso.example", [failed("addMembers")])
      tenant.unseenByExchange.set("m4@contoso.example", 100)
      const result = yield* withTime(
        dls.addMembers("team", ["M2@contoso.example", "m3@contoso.example", "M4@Contoso.example"], {})
      )
      assert.deepStrictEqual(result, {
        message: "Some members could not be added.",
        failed: ["M2@contoso.example", "M4@Contoso.example"]
      })
      assert.deepStrictEqual(members(), ["m1@contoso.example", "m3@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 5)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a user without a mailbox is no Exchange recipient: reported at once, not retried", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.users.push(user("svc", "contoso.example", { mail: null }))
      const result = yield* dls.addMembers("team", ["svc@contoso.example", "m2@contoso.example"], {})
      assert.deepStrictEqual(result.failed, ["svc@contoso.example"])
      assert.strictEqual(callsOf(tenant, "addMembers").length, 1)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a transient failure of the whole call is retried with the same batch", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      failNext(tenant, "addMembers", { error: transient("addMembers"), when: "after" })
      const result = yield* withTime(dls.addMembers("team", ["m2@contoso.example"], {}))
      assert.deepStrictEqual(result.failed, [])
      assert.deepStrictEqual(members(), ["m1@contoso.example", "m2@contoso.example"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a refusal of the whole call is an upstream error, not a partial success", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      failNext(tenant, "addMembers", FakeTenant.forbidden("addMembers"))
      const error = yield* Effect.flip(dls.addMembers("team", ["m2@contoso.example"], {}))
      assert.strictEqual(error._tag, "UpstreamError")
    }).pipe(Effect.provide(appLayer(users))))
})

describe("DistributionLists.removeMembers", () => {
  it.effect("removes; a non-member or an unknown address counts as removed", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      const result = yield* dls.removeMembers("team", ["m1@contoso.example", "m2@contoso.example", "x@y.example"], {})
      assert.deepStrictEqual(result, { message: "All members removed (or already absent).", failed: [] })
      assert.deepStrictEqual(members(), [])
      // No user validation for removals, and no retry for "not a recipient".
      assert.deepStrictEqual(tenant.calls.map((c) => c.op), ["get", "removeMembers"])
      assert.strictEqual((callsOf(tenant, "removeMembers")[0]!.args[0] as Target).anchor, "team@contoso.example")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("404 for an absent DL", () =>
    Effect.gen(function*() {
      const { dls } = yield* setup
      const error = yield* Effect.flip(dls.removeMembers("nope", ["m1@contoso.example"], {}))
      assert.strictEqual(error._tag, "DistributionListNotFound")
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("failed lists exactly the members not removed", () =>
    Effect.gen(function*() {
      const { dls, members, tenant } = yield* setup
      tenant.groups.get([...tenant.groups.keys()][0]!)!.members.push("m2@contoso.example")
      tenant.memberFaults.set("m2@contoso.example", Array(100).fill(transient("removeMembers")))
      const result = yield* withTime(dls.removeMembers("team", ["m1@contoso.example", "m2@contoso.example"], {}))
      assert.deepStrictEqual(result, { message: "Some members could not be removed.", failed: ["m2@contoso.example"] })
      assert.deepStrictEqual(members(), ["m2@contoso.example"])
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a recipient-not-found for a removal is not retried", () =>
    Effect.gen(function*() {
      const { dls, tenant } = yield* setup
      tenant.memberFaults.set("m1@contoso.example", [new RecipientNotFound({ address: "m1@contoso.example" })])
      const result = yield* dls.removeMembers("team", ["m1@contoso.example"], {})
      assert.deepStrictEqual(result.failed, [])
      assert.strictEqual(callsOf(tenant, "removeMembers").length, 1)
    }).pipe(Effect.provide(appLayer(users))))
})
