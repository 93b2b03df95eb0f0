import { assert, describe, it } from "@effect/vitest"
import { diffMembers, withOwners } from "../../bench/baseline/Diff.ts"

describe("diffMembers (the seed's sync)", () => {
  it("adds target − current and removes current − target, ignoring case", () => {
    const diff = diffMembers(["a@x.example", "B@x.example", "c@x.example"], ["b@x.example", "c@X.example", "d@x.example"])
    assert.deepStrictEqual(diff.toAdd, ["d@x.example"])
    assert.deepStrictEqual(diff.toRemove, ["a@x.example"])
  })

  it("reports each address once even when repeated", () => {
    const diff = diffMembers(["a@x.example", "a@x.example"], ["d@x.example", "D@x.example"])
    assert.deepStrictEqual(diff.toAdd, ["d@x.example"])
    assert.deepStrictEqual(diff.toRemove, ["a@x.example"])
  })

  it("is empty for equal sets", () => {
    const diff = diffMembers(["a@x.example"], ["A@x.example"])
    assert.strictEqual(diff.toAdd.length + diff.toRemove.length, 0)
  })
})

describe("withOwners", () => {
  it("adds owners to the members when OWNERS_AS_MEMBERS is on", () => {
    assert.deepStrictEqual(withOwners(["m@x.example", "o@x.example"], ["O@x.example", "p@x.example"], true), ["m@x.example", "o@x.example", "p@x.example"])
    assert.deepStrictEqual(withOwners(["m@x.example"], ["o@x.example"], false), ["m@x.example"])
  })
})
