import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"
import { TenantState } from "../../../src/sandbox/tenant/TenantState.ts"

const withTenant = <A, E>(effect: Effect.Effect<A, E, TenantModel>, options = {}) =>
  Effect.provide(effect, TenantModel.layerTest(options))

describe("TenantModel", () => {
  it.effect("finds demo users by UPN, mail and proxy address, case-insensitively", () =>
    withTenant(Effect.gen(function*() {
      const tenant = yield* TenantModel
      const byUpn = yield* tenant.findUserByAddress("Adele.Vance@CONTOSO.example")
      const byProxy = yield* tenant.findUserByAddress("smtp:adelev@contoso.example")
      assert.isTrue(Option.isSome(byUpn))
      assert.strictEqual(Option.getOrThrow(byProxy).id, Option.getOrThrow(byUpn).id)
      assert.deepStrictEqual(Option.getOrThrow(byUpn).proxyAddresses, [
        "SMTP:adele.vance@contoso.example",
        "smtp:adelev@contoso.example"
      ])
      const found = yield* tenant.findUsers(["ALEX.WILBER@contoso.example", "nobody@contoso.example"])
      assert.deepStrictEqual([...found.keys()], ["alex.wilber@contoso.example"])
    })))

  it.effect("resolves users by id or UPN and directory objects by ids", () =>
    withTenant(Effect.gen(function*() {
      const tenant = yield* TenantModel
      const megan = Option.getOrThrow(yield* tenant.userByIdOrUpn("megan.bowen@contoso.example"))
      assert.strictEqual(Option.getOrThrow(yield* tenant.userByIdOrUpn(megan.id.toUpperCase())).userPrincipalName, "megan.bowen@contoso.example")
      // /users/{upn} matches the UPN only, not a proxy address
      assert.isTrue(Option.isNone(yield* tenant.userByIdOrUpn("meganb@contoso.example")))
      const objects = yield* tenant.directoryObjectsByIds([megan.id, "00000000-0000-0000-0000-000000000000"])
      assert.deepStrictEqual(objects.map((o) => o._tag), ["User"])
    })))

  it.effect("generates bulk users lazily with stable ids", () =>
    withTenant(Effect.gen(function*() {
      const tenant = yield* TenantModel
      const user = Option.getOrThrow(yield* tenant.findUserByAddress("user49999@contoso.example"))
      assert.strictEqual(user.displayName, "Generated User 49999")
      assert.strictEqual(Option.getOrThrow(yield* tenant.userByIdOrUpn(user.id)).userPrincipalName, "user49999@contoso.example")
      assert.isTrue(Option.isNone(yield* tenant.findUserByAddress("user50001@contoso.example")))
      const page = yield* tenant.usersPage(25, 3)
      assert.strictEqual(page.total, 25 + 50_000)
      assert.deepStrictEqual(page.users.map((u) => u.userPrincipalName), [
        "user00001@contoso.example",
        "user00002@contoso.example",
        "user00003@contoso.example"
      ])
    }), { generatedUsers: 50_000 }))

  it.effect("adds users at run time and refuses a taken address", () =>
    withTenant(Effect.gen(function*() {
      const tenant = yield* TenantModel
      const added = yield* tenant.addUser({ userPrincipalName: "new.hire@contoso.example", displayName: "New Hire", mail: "new.hire@contoso.example" })
      assert.strictEqual(Option.getOrThrow(yield* tenant.findUserByAddress("NEW.HIRE@contoso.example")).id, added.id)
      const clash = yield* Effect.flip(tenant.addUser({ userPrincipalName: "x@contoso.example", displayName: "X", mail: "adele.vance@contoso.example" }))
      assert.strictEqual(clash.address, "adele.vance@contoso.example")
    })))

  it.effect("layer reads CUSTOM_DOMAIN", () =>
    Effect.gen(function*() {
      const tenant = yield* TenantModel
      assert.strictEqual(tenant.domain, "fabrikam.example")
      assert.isTrue(Option.isSome(yield* tenant.findUserByAddress("lee.gu@fabrikam.example")))
      assert.isTrue(Option.isSome(yield* tenant.findUserByAddress("user60000@fabrikam.example")))
    }).pipe(Effect.provide(TenantModel.layer.pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ CUSTOM_DOMAIN: "fabrikam.example" })))
    ))))

  it("usersSlice is allUsers() sliced at any offset, across explicit and generated users", () => {
    const state = new TenantState("contoso.example", 7)
    for (const n of [1, 2, 3]) state.addUser({ userPrincipalName: `e${n}@contoso.example`, displayName: `E${n}`, mail: `e${n}@contoso.example` }, 0)
    const all = [...state.allUsers()].map((u) => u.id)
    for (const [offset, limit] of [[0, 2], [2, 3], [3, 2], [5, 100], [9, 5], [10, 1], [0, 10]] as const) {
      assert.deepStrictEqual(state.usersSlice(offset, limit).map((u) => u.id), all.slice(offset, offset + limit), `${offset},${limit}`)
    }
  })
})
