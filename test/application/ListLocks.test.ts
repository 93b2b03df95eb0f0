import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { DistributionLists } from "../../src/application/DistributionLists.ts"
import { lockKey } from "../../src/application/ListLocks.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { appLayer } from "../support/Harness.ts"

const { failNext, seedGroup, transient, user } = FakeTenant
const address = (name: string) => `${name}@contoso.example`
const users = ["owner", "a", "b", "c", "d"].map((name) => user(name))
const sorted = (values: ReadonlyArray<string>) => [...values].sort()

/** Lets forked fibers run up to their next sleep, without moving the clock. */
const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

/**
 * Runs `change` (stuck on the first member add's 1 s throttle), then a member add of d by `addTo`: the add
 * must wait for the change, and the list end as both applied in that order (owner, b, d).
 */
const addWaitsFor = <E>(
  change: Effect.Effect<unknown, E>,
  addTo: string,
  dls: DistributionLists["Service"],
  membersNow: () => ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const first = yield* Effect.forkChild(change)
    yield* settle
    const add = yield* Effect.forkChild(dls.addMembers(addTo, [address("d")], {}))
    yield* settle
    assert.isUndefined(add.pollUnsafe(), "the add ran beside the change")
    yield* TestClock.adjust("1 minute")
    yield* Fiber.join(first)
    yield* Fiber.join(add)
    assert.deepStrictEqual(membersNow(), sorted([address("owner"), address("b"), address("d")]))
  })

const setup = Effect.gen(function*() {
  const tenant = yield* FakeTenant.FakeTenant
  const seed = (alias: string) =>
    seedGroup(tenant, { alias, ownerIds: ["id-owner"], members: [address("owner"), address("a")] })
  const membersOf = (dl: { readonly identity: string }) => sorted(tenant.groups.get(dl.identity)!.members)
  // the first member add waits 1 s (a 429 with Retry-After): long enough for another change to overlap it
  failNext(tenant, "addMembers", transient("addMembers", 1000))
  return { dls: yield* DistributionLists, seed, membersOf }
})

describe("DistributionLists: changes to one list run one at a time", () => {
  // interleaved, both would have applied their own changes: owner, b and c
  for (const [spelling, second] of [["case and spacing", " RACE"], ["its address", "Race@Contoso.example"]] as const) {
    it.effect(`two PATCHes of one list at once (by ${spelling}): the list ends as the later one asked`, () =>
      Effect.gen(function*() {
        const { dls, seed, membersOf } = yield* setup
        const dl = seed("race")
        const first = yield* Effect.forkChild(dls.update("race", { memberEmails: [address("b")] }, {}))
        const later = yield* Effect.forkChild(dls.update(second, { memberEmails: [address("c")] }, {}))
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(first)
        yield* Fiber.join(later)
        assert.deepStrictEqual(membersOf(dl), sorted([address("owner"), address("c")]))
      }).pipe(Effect.provide(appLayer(users))))
  }

  it("lockKey: alias, address in the custom domain and created-with name share a key; other domains do not", () => {
    const key = (id: string) => lockKey(id, "Contoso.example")
    assert.strictEqual(key("marketing-team"), "marketing-team")
    assert.strictEqual(key(" Marketing-Team@contoso.EXAMPLE "), "marketing-team")
    assert.strictEqual(key("Marketing Team"), "marketing-team")
    assert.strictEqual(key("marketing-team@fabrikam.example"), "marketing-team@fabrikam.example")
    assert.strictEqual(key("日本"), "ri-ben")
    assert.strictEqual(key("☕"), "☕")
    // the alias is made from the name as written: lower-casing first would give another key
    assert.strictEqual(key("Ξ Team"), "ks-team")
    assert.strictEqual(key("ξ team"), "x-team")
    assert.strictEqual(key("sales.team@contoso.example"), key("sales-team"))
  })

  it.effect("a member add waits for a PATCH of the same list under way, and is applied after it", () =>
    Effect.gen(function*() {
      const { dls, seed, membersOf } = yield* setup
      const dl = seed("race")
      yield* addWaitsFor(dls.update("race", { memberEmails: [address("b")] }, {}), "race", dls, () => membersOf(dl))
    }).pipe(Effect.provide(appLayer(users))))

  // Exchange keeps a renamed list's old address, which still reaches it; a list is also reached by its identity
  for (
    const [spelling, rename, byOldName] of [
      ["its old address (after a rename)", true, () => address("race")],
      ["its identity", false, (dl: { readonly identity: string }) => dl.identity]
    ] as const
  ) {
    it.effect(`a change by ${spelling} and one by its alias wait for each other`, () =>
      Effect.gen(function*() {
        const { dls, seed, membersOf } = yield* setup
        const dl = seed("race")
        if (rename) yield* dls.update("race", { name: "renamed" }, {})
        const sync = dls.update(byOldName(dl), { memberEmails: [address("b")] }, {})
        yield* addWaitsFor(sync, rename ? "renamed" : "race", dls, () => membersOf(dl))
      }).pipe(Effect.provide(appLayer(users))))
  }

  for (const [name, alias] of [["Renamed", "renamed"], ["ZedX@contoso.example", "zedx-contoso-example"]] as const) {
    it.effect(`a renaming PATCH holds the new alias too (${name}): a change sent to it waits until the PATCH is done`, () =>
      Effect.gen(function*() {
        const { dls, seed, membersOf } = yield* setup
        const dl = seed("race")
        yield* addWaitsFor(dls.update("race", { name, memberEmails: [address("b")] }, {}), alias, dls, () => membersOf(dl))
      }).pipe(Effect.provide(appLayer(users))))
  }

  it.effect("an invalid request is answered at once, without waiting behind a change of its list", () =>
    Effect.gen(function*() {
      const { dls, seed } = yield* setup
      seed("race")
      const sync = yield* Effect.forkChild(dls.update("race", { memberEmails: [address("b")] }, {}))
      yield* settle
      const invalid = yield* Effect.forkChild(Effect.flip(dls.update("race", { ownerEmails: [] }, {})))
      const badAdd = yield* Effect.forkChild(Effect.flip(dls.addMembers("race", ["not-an-address"], {})))
      yield* settle
      assert.isDefined(invalid.pollUnsafe(), "the invalid PATCH waited for the list")
      assert.isDefined(badAdd.pollUnsafe(), "the invalid add waited for the list")
      assert.strictEqual((yield* Fiber.join(invalid))._tag, "InvalidInput")
      assert.strictEqual((yield* Fiber.join(badAdd))._tag, "InvalidInput")
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(sync)
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a change waiting for its list can be cut (its caller went away) even when it would run to its end", () =>
    Effect.gen(function*() {
      const { dls, seed, membersOf } = yield* setup
      const dl = seed("race")
      const sync = yield* Effect.forkChild(dls.update("race", { memberEmails: [address("b")] }, {}))
      yield* settle
      // as the handlers run a change: uninterruptible once it runs
      const waiting = yield* Effect.forkChild(Effect.uninterruptible(dls.addMembers("race", [address("d")], {})))
      yield* settle
      yield* Fiber.interrupt(waiting)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(sync)
      // the list is free again, and the cut add never ran
      yield* dls.addMembers("race", [address("c")], {})
      assert.deepStrictEqual(membersOf(dl), sorted([address("owner"), address("b"), address("c")]))
    }).pipe(Effect.provide(appLayer(users))))

  it.effect("a change to another list is not held", () =>
    Effect.gen(function*() {
      const { dls, seed, membersOf } = yield* setup
      seed("slow")
      const other = seed("other")
      const slow = yield* Effect.forkChild(dls.update("slow", { memberEmails: [address("b")] }, {}))
      yield* settle
      const quick = yield* Effect.forkChild(dls.removeMembers("other", [address("a")], {}))
      yield* settle
      assert.isDefined(quick.pollUnsafe(), "held by the other list's change")
      assert.deepStrictEqual(membersOf(other), [address("owner")])
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(slow)
    }).pipe(Effect.provide(appLayer(users))))
})
