import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  type Action,
  authorize,
  type Caller,
  hasRole,
  MAX_OWNER_LOOKUP,
  needsOwners,
  type Role,
  roles
} from "../../src/domain/Access.ts"

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
    assert.strictEqual(needsOwners(admin, "update"), undefined)
  })
})

describe("Access.authorize: owner self-service", () => {
  const own = { owners: { addresses: ["someone@contoso.example", "JANE@contoso.example"] } }
  const others = { owners: { addresses: ["someone@contoso.example"] } }

  it("reads and changes lists the user owns (case-insensitive, any sign-in name)", () => {
    for (const action of ["read", "update", "addMembers", "removeMembers"] as const) {
      assert.isTrue(allowed(jane, action, own), action)
      assert.isTrue(allowed(jane, action, { owners: { addresses: ["jane.doe@contoso.example"] } }), action)
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
    assert.strictEqual(needsOwners(jane, "read"), "addresses")
    assert.strictEqual(needsOwners(jane, "create"), undefined)
  })

  it("may never delete, not even an own list", () => {
    assert.isFalse(allowed(jane, "delete", own))
  })

  it("creates only lists with themselves among the owners", () => {
    assert.isTrue(allowed(jane, "create", { requestedOwners: { addresses: ["jane@contoso.example", "bob@contoso.example"] } }))
    assert.isFalse(allowed(jane, "create", { requestedOwners: { addresses: ["bob@contoso.example"] } }))
    assert.isFalse(allowed(jane, "create", {}))
  })

  it("may not remove themselves from the owners of an own list", () => {
    assert.isTrue(allowed(jane, "update", { ...own, requestedOwners: { addresses: ["jane@contoso.example"] } }))
    assert.isFalse(allowed(jane, "update", { ...own, requestedOwners: { addresses: ["bob@contoso.example"] } }))
  })

  it("a user token without the self-service scope may do nothing", () => {
    const scoped: Caller = { ...jane, selfService: false }
    assert.isFalse(allowed(scoped, "read", own))
    assert.isFalse(allowed(scoped, "create", { requestedOwners: { addresses: ["jane@contoso.example"] } }))
  })

  it("a role does not take away self-service: a reader changes the lists she owns, and only those", () => {
    const reader: Caller = { ...jane, role: "reader" }
    assert.isTrue(allowed(reader, "read", others), "the role reads every list")
    assert.strictEqual(needsOwners(reader, "read"), undefined)
    for (const action of ["update", "addMembers", "removeMembers"] as const) {
      assert.strictEqual(needsOwners(reader, action), "addresses")
      assert.isTrue(allowed(reader, action, own), action)
      assert.isFalse(allowed(reader, action, others), action)
    }
    assert.isFalse(allowed(reader, "delete", own))
    // without the self-service scope, the role alone decides
    assert.deepStrictEqual(authorize({ ...reader, selfService: false }, "addMembers", own), {
      allowed: false,
      reason: "The 'addMembers' operation requires the writer role."
    })
  })

  it("a user without any sign-in name may do nothing", () => {
    const anonymous: Caller = { kind: "user", name: "oid", selfService: true, addresses: [] }
    assert.isFalse(allowed(anonymous, "read", { owners: { addresses: [] } }))
  })
})

describe("Access.authorize: owner self-service by object id (token oid)", () => {
  const janeById: Caller = { ...jane, objectId: "id-jane" }
  const own = { owners: { ids: ["id-someone", "ID-JANE"], addresses: ["someone@contoso.example"] } }

  it("a list is hers when its owner ids hold her object id, whatever addresses it shows", () => {
    assert.strictEqual(needsOwners(janeById, "update"), "ids")
    for (const action of ["read", "update", "addMembers", "removeMembers"] as const) {
      assert.isTrue(allowed(janeById, action, own), action)
    }
  })

  it("an owner address equal to her sign-in name does not make a list hers without her id", () => {
    const named = { owners: { ids: ["id-someone"], addresses: ["jane@contoso.example"] } }
    assert.deepStrictEqual(authorize(janeById, "read", named), {
      allowed: false,
      reason: "You may only access distribution lists that you own."
    })
  })

  it("a user known by object id alone (no sign-in name in the token) may act on own lists", () => {
    const idOnly: Caller = { kind: "user", name: "id-jane", objectId: "id-jane", addresses: [], selfService: true }
    assert.isTrue(allowed(idOnly, "read", own))
    assert.isFalse(allowed(idOnly, "read", { owners: { ids: ["id-someone"] } }))
  })

  it("requested owners are looked up and decided on by id, never on the token's names", () => {
    const requested = { addresses: ["jane.doe@fabrikam.example", "bob@contoso.example"] }
    assert.deepStrictEqual(authorize(janeById, "create", { requestedOwners: requested }), {
      allowed: false,
      reason: "You may only create distribution lists that you own.",
      lookUpRequestedOwners: true
    })
    assert.isTrue(allowed(janeById, "create", { requestedOwners: { ...requested, ids: ["id-bob", "id-jane"] } }))
    assert.deepStrictEqual(authorize(janeById, "update", { ...own, requestedOwners: { ...requested, ids: ["id-bob"] } }), {
      allowed: false,
      reason: "You may not remove yourself from the owners of a distribution list."
    })
    // her sign-in name in the token may be stale or since given to another: it proves nothing without the lookup
    const byName = { addresses: ["JANE@contoso.example"] }
    assert.isTrue((authorize(janeById, "update", { ...own, requestedOwners: byName }) as any).lookUpRequestedOwners)
    assert.isFalse(allowed(janeById, "create", { requestedOwners: { ...byName, ids: ["id-eve"] } }), "jane@ is now eve's")
  })

  it("no lookup for a list not hers, for a caller without object id, past MAX_OWNER_LOOKUP owners or for non-addresses", () => {
    const requested = { addresses: ["bob@contoso.example"] }
    assert.isUndefined((authorize(janeById, "update", { owners: { ids: ["id-bob"] }, requestedOwners: requested }) as any).lookUpRequestedOwners)
    assert.isUndefined((authorize(jane, "create", { requestedOwners: requested }) as any).lookUpRequestedOwners)
    const many = { addresses: Array.from({ length: MAX_OWNER_LOOKUP + 1 }, (_, i) => `u${i}@contoso.example`) }
    assert.deepStrictEqual(authorize(janeById, "create", { requestedOwners: many }), {
      allowed: false,
      reason: `You may only create distribution lists that you own; a self-service request names at most ${MAX_OWNER_LOOKUP} owners, as email addresses.`
    })
    const repeated = { addresses: Array.from({ length: 25 }, () => "Jane@contoso.example") }
    assert.isTrue((authorize(janeById, "create", { requestedOwners: repeated }) as any).lookUpRequestedOwners, "one owner, named 25 times")
    const enough = { addresses: many.addresses.slice(1) }
    assert.isTrue((authorize(janeById, "create", { requestedOwners: enough }) as any).lookUpRequestedOwners)
    assert.isTrue((authorize(janeById, "create", { requestedOwners: { addresses: [" jane@contoso.example "] } }) as any).lookUpRequestedOwners)
    // nothing that is not an email address reaches the directory
    const junk = { addresses: ["jane@contoso.example", "x".repeat(40_000)] }
    assert.isUndefined((authorize(janeById, "create", { requestedOwners: junk }) as any).lookUpRequestedOwners)
  })
})
