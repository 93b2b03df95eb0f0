/** Graph's resource-unit cost of a request (spec: graph-and-identity.md §5, "Identity and access limits"). */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { baseCost, resourceUnitCost } from "../../../src/sandbox/tenant/ResourceUnits.ts"

const cost = (method: string, target: string) => {
  const q = target.indexOf("?")
  return resourceUnitCost({
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1))
  })
}

describe("resourceUnitCost", () => {
  it("charges the §5 base costs: GET users 2, members 3, transitiveMembers 5, getByIds 3, any other identity GET 1", () => {
    assert.strictEqual(cost("GET", "/users"), 2)
    assert.strictEqual(cost("GET", "/groups/0b1c/members"), 3)
    assert.strictEqual(cost("GET", "/groups/0b1c/transitiveMembers"), 5)
    assert.strictEqual(cost("POST", "/directoryObjects/getByIds"), 3)
    assert.strictEqual(cost("GET", "/users/adele.vance@contoso.example"), 1)
    assert.strictEqual(cost("GET", "/users/$count"), 1)
    assert.strictEqual(cost("GET", "/groups"), 1)
    assert.strictEqual(cost("GET", "/groups/0b1c"), 1)
    assert.strictEqual(cost("GET", "/groups/0b1c/owners"), 1)
  })

  it("matches paths case-insensitively and ignores a trailing slash; the method must match", () => {
    assert.strictEqual(cost("get", "/Users/"), 2)
    assert.strictEqual(cost("GET", "/GROUPS/x/TransitiveMembers"), 5)
    assert.strictEqual(cost("GET", "/directoryObjects/getByIds"), 1)
    assert.strictEqual(cost("POST", "/users"), 1)
  })

  it("applies the §5 modifiers: $select −1, $expand +1, $top below 20 −1, never below 1", () => {
    assert.strictEqual(cost("GET", "/users?$select=id,mail"), 1)
    assert.strictEqual(cost("GET", "/users?$top=999"), 2)
    assert.strictEqual(cost("GET", "/users?$top=19"), 1)
    assert.strictEqual(cost("GET", "/users?$top=20"), 2)
    assert.strictEqual(cost("GET", "/users?$select=id&$top=1"), 1)
    assert.strictEqual(cost("GET", "/groups/g/members?$select=id&$top=5"), 1)
    assert.strictEqual(cost("GET", "/groups/g/transitiveMembers?$select=id&$top=5"), 3)
    assert.strictEqual(cost("GET", "/groups/g/members?$expand=manager"), 4)
    assert.strictEqual(cost("GET", "/groups/g?$expand=members&$select=id"), 1)
    assert.strictEqual(cost("GET", "/users/u?$select=id"), 1)
    // A `$top` that is no number is not "less than 20".
    assert.strictEqual(cost("GET", "/users?$top=many"), 2)
  })

  it("is the base cost shifted by the modifiers, clamped at 1, for any request", () => {
    const path = fc.constantFrom("/users", "/users/x", "/groups", "/groups/x/members", "/groups/x/transitiveMembers", "/directoryObjects/getByIds")
    const option = fc.option(fc.constantFrom("", "id", "id,mail"), { nil: undefined })
    fc.assert(
      fc.property(fc.constantFrom("GET", "POST"), path, option, option, fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }), (method, p, select, expand, top) => {
        const query = new URLSearchParams()
        if (select !== undefined) query.set("$select", select)
        if (expand !== undefined) query.set("$expand", expand)
        if (top !== undefined) query.set("$top", String(top))
        const expected = baseCost(method, p) - (select !== undefined ? 1 : 0) + (expand !== undefined ? 1 : 0) -
          (top !== undefined && top < 20 ? 1 : 0)
        const actual = resourceUnitCost({ method, path: p, query })
        return actual === Math.max(1, expected) && actual >= 1 && Number.isInteger(actual)
      })
    )
  })
})
