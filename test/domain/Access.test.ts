import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Action, authorize, type Caller, hasRole, needsOwners, type Role, roles } from "../../src/domain/Access.ts"

const actions: ReadonlyArray<Action> = ["read", "create", "update", "delete", "addMembers", "removeMembers"]

const withRole = (role: Role): Caller => ({ kind: "apiKey", name: "ci", role })

const jane: Caller = {
  kind: "user",
  name: "jane@contoso.example",
  upn: "jane@contoso.example",
  addresses: ["jane@contoso.example", "Jane.Doe@Contoso.example"],
  selfService: true
}

const allowed = (caller: Caller, action: Action, context = {}) => authorize(caller, action, context).allowed

describe("Access.authorize: roles", () => {
  it("reader reads only", () => {
    assert.deepStrictEqual(actions.filter((a) => allowed(withRole("reader"), a)), ["read"])
  })

  it("writer does everything but delete", () => {
    assert.deepStrictEqual(
      actions.filter((a) => allowed(withRole("writer"), a)),
      ["read", "create", "update", "addMembers", "removeMembers"]
    )
  })

  it("admin does everything, delete included", () => {
    assert.deepStrictEqual(actions.filter((a) => allowed(withRole("admin"), a)), actions)
  })

  it("a denial says which role is needed", () => {
    const decision = authorize(withRole("writer"), "delete")
    assert.deepStrictEqual(decision, { allowed: false, reason: "The 'delete' operation requires the admin role." })
  })

  it("an app or key without a role may do nothing", () => {
    for (const action of actions) {
      assert.isFalse(allowed({ kind: "app", name: "client-id" }, action))
    }
  })

  it("a higher role never allows less than a lower one (property)", () => {
    fc.assert(fc.property(
      fc.constantFrom(...roles),
      fc.constantFrom(...roles),
      fc.constantFrom(...actions),
      (a, b, action) => !hasRole(a, b) || !allowed(withRole(b), action) || allowed(withRole(a), action)
    ))
  })

  it("a role wins over self-service and needs no owners", () => {
    const admin: Caller = { ...jane, role: "admin" }
    assert.isTrue(allowed(admin, "delete"))
    assert.isFalse(needsOwners(admin, "update"))
  })
})

describe("Access.authorize: owner self-service", () => {
  const own = { owners: ["someone@contoso.example", "JANE@contoso.example"] }
  const others = { owners: ["someone@contoso.example"] }

  it("reads and changes lists the user owns (case-insensitive, any sign-in name)", () => {
    for (const action of ["read", "update", "addMembers", "removeMembers"] as const) {
      assert.isTrue(allowed(jane, action, own), action)
      assert.isTrue(allowed(jane, action, { owners: ["jane.doe@contoso.example"] }), action)
    }
  })

  it("may not read or change lists of others", () => {
    for (const action of ["read", "update", "addMembers", "removeMembers"] as const) {
      const decision = authorize(jane, action, others)
      assert.deepStrictEqual(decision, { allowed: false, reason: "You may only access distribution lists that you own." })
    }
  })

  it("fails closed when the owners are unknown", () => {
    assert.isFalse(allowed(jane, "read", {}))
    assert.isTrue(needsOwners(jane, "read"))
    assert.isFalse(needsOwners(jane, "create"))
  })

  it("may never delete, not even an own list", () => {
    assert.isFalse(allowed(jane, "delete", own))
  })

  it("creates only lists with themselves among the owners", () => {
    assert.isTrue(allowed(jane, "create", { requestedOwners: ["jane@contoso.example", "bob@contoso.example"] }))
    assert.isFalse(allowed(jane, "create", { requestedOwners: ["bob@contoso.example"] }))
    assert.isFalse(allowed(jane, "create", {}))
  })

  it("may not remove themselves from the owners of an own list", () => {
    assert.isTrue(allowed(jane, "update", { ...own, requestedOwners: ["jane@contoso.example"] }))
    assert.isFalse(allowed(jane, "update", { ...own, requestedOwners: ["bob@contoso.example"] }))
  })

  it("a user token without the self-service scope may do nothing", () => {
    const scoped: Caller = { ...jane, selfService: false }
    assert.isFalse(allowed(scoped, "read", own))
    assert.isFalse(allowed(scoped, "create", { requestedOwners: ["jane@contoso.example"] }))
  })

  it("a user without any sign-in name may do nothing", () => {
    const anonymous: Caller = { kind: "user", name: "oid", selfService: true, addresses: [] }
    assert.isFalse(allowed(anonymous, "read", { owners: [] }))
  })
})
