import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { normalizeEmail } from "../../src/domain/Email.ts"
import { diffMembers, targetMembers } from "../../src/domain/MemberDiff.ts"

const keys = (values: ReadonlyArray<string>) => new Set(values.map(normalizeEmail))
const sameKeys = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => {
  const [ka, kb] = [keys(a), keys(b)]
  return ka.size === kb.size && [...ka].every((key) => kb.has(key))
}
const hasNoDuplicates = (values: ReadonlyArray<string>) => keys(values).size === values.length

// A small pool so that lists overlap, with case variants of the same address.
const addressArb = fc.tuple(fc.constantFrom("ann", "bob", "cy", "dee", "eve", "fay"), fc.boolean()).map(
  ([local, upper]) => `${upper ? local.toUpperCase() : local}@Contoso.example`
)
const listArb = fc.array(addressArb, { maxLength: 12 })

describe("targetMembers", () => {
  it("adds owners when on, dedupes case-insensitively, keeps the first spelling", () => {
    const members = ["Ann@contoso.example", "bob@contoso.example", "ann@CONTOSO.example"]
    const owners = ["BOB@contoso.example", "cy@contoso.example"]
    assert.deepStrictEqual(targetMembers({ members, owners, ownersAsMembers: true }), [
      "Ann@contoso.example",
      "bob@contoso.example",
      "cy@contoso.example"
    ])
    assert.deepStrictEqual(targetMembers({ members, owners, ownersAsMembers: false }), [
      "Ann@contoso.example",
      "bob@contoso.example"
    ])
  })

  it("holds every member, and every owner exactly when on, without duplicates", () => {
    fc.assert(
      fc.property(listArb, listArb, fc.boolean(), (members, owners, ownersAsMembers) => {
        const target = targetMembers({ members, owners, ownersAsMembers })
        assert.isTrue(hasNoDuplicates(target))
        assert.isTrue(sameKeys(target, ownersAsMembers ? [...members, ...owners] : members))
      })
    )
  })
})

describe("diffMembers", () => {
  it("adds what is missing and removes what is extra, case-insensitively, in order", () => {
    const current = ["ann@contoso.example", "Bob@contoso.example", "cy@contoso.example"]
    const target = ["dee@contoso.example", "BOB@contoso.example", "eve@contoso.example", "DEE@contoso.example"]
    assert.deepStrictEqual(diffMembers(current, target), {
      toAdd: ["dee@contoso.example", "eve@contoso.example"],
      toRemove: ["ann@contoso.example", "cy@contoso.example"]
    })
    assert.deepStrictEqual(diffMembers(current, current), { toAdd: [], toRemove: [] })
    assert.deepStrictEqual(diffMembers([], []), { toAdd: [], toRemove: [] })
  })

  it("turns current into target", () => {
    fc.assert(
      fc.property(listArb, listArb, (current, target) => {
        const { toAdd, toRemove } = diffMembers(current, target)
        const [currentKeys, targetKeys, removeKeys] = [keys(current), keys(target), keys(toRemove)]
        assert.isTrue(hasNoDuplicates(toAdd) && hasNoDuplicates(toRemove))
        assert.isTrue(toAdd.every((address) => !currentKeys.has(normalizeEmail(address))))
        assert.isTrue(toRemove.every((address) => currentKeys.has(normalizeEmail(address))))
        assert.isTrue(toRemove.every((address) => !targetKeys.has(normalizeEmail(address))))
        const result = [...current.filter((address) => !removeKeys.has(normalizeEmail(address))), ...toAdd]
        assert.isTrue(sameKeys(result, target))
      }),
      { numRuns: 500 }
    )
  })

  it("diffs 50,000 members in linear time", () => {
    const current = Array.from({ length: 50_000 }, (_, i) => `user${i}@contoso.example`)
    const target = Array.from({ length: 50_000 }, (_, i) => `USER${i + 25_000}@contoso.example`)
    const started = performance.now()
    const { toAdd, toRemove } = diffMembers(current, target)
    const elapsed = performance.now() - started
    assert.strictEqual(toAdd.length, 25_000)
    assert.strictEqual(toRemove.length, 25_000)
    assert.strictEqual(toAdd[0], "USER50000@contoso.example")
    assert.isBelow(elapsed, 1_000) // a quadratic diff takes minutes here
  })
})
