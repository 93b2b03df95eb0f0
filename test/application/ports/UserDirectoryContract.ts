import { assert, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"

/**
 * The tenant every contract run starts from: the sandbox's demo directory under `contoso.example`
 * (22 people with a second SMTP address `<first><l>@`, `admin@`, `postmaster@`, `svc.reporting@`
 * without a mailbox) plus generated users `user00001@` …, so implementations cannot drift on data.
 */
export const CONTRACT_TENANT = { domain: "contoso.example", generatedUsers: 1500 } as const

const domain = CONTRACT_TENANT.domain
const directory = UserDirectory

/**
 * Behaviour every `UserDirectory` must share (the in-memory one and Graph over the sandbox): lookups by
 * mail, UPN or SMTP proxy address, case-insensitive, keyed by the lower-cased input; unknown
 * addresses and ids are absent, never errors.
 */
export const userDirectoryContract = (name: string, implementation: Layer.Layer<UserDirectory, unknown>) =>
  layer(implementation, { excludeTestServices: true, timeout: "60 seconds" })(`UserDirectory contract: ${name}`, (it) => {
    it.effect("finds a user by mail, case-insensitively, keyed by the lower-cased input", () =>
      Effect.gen(function*() {
        const found = yield* (yield* directory).findUsers([`Adele.Vance@${domain.toUpperCase()}`])
        assert.deepStrictEqual([...found.keys()], [`adele.vance@${domain}`])
        const adele = found.get(`adele.vance@${domain}`)!
        assert.strictEqual(adele.userPrincipalName, `adele.vance@${domain}`)
        assert.strictEqual(adele.mail, `adele.vance@${domain}`)
        assert.strictEqual(adele.displayName, "Adele Vance")
        assert.isAbove(adele.id.length, 0)
      }))

    it.effect("finds the same user by a secondary SMTP address", () =>
      Effect.gen(function*() {
        const found = yield* (yield* directory).findUsers([`adele.vance@${domain}`, `AdeleV@${domain}`])
        assert.strictEqual(found.size, 2)
        assert.strictEqual(found.get(`adelev@${domain}`)?.id, found.get(`adele.vance@${domain}`)?.id)
      }))

    it.effect("finds a user without a mailbox by UPN, with mail null", () =>
      Effect.gen(function*() {
        const found = yield* (yield* directory).findUsers([`svc.reporting@${domain}`])
        assert.strictEqual(found.get(`svc.reporting@${domain}`)?.mail, null)
      }))

    it.effect("leaves unknown addresses out, and finds many known ones at once", () =>
      Effect.gen(function*() {
        const generated = Array.from({ length: 60 }, (_, i) => `user${String(i + 1).padStart(5, "0")}@${domain}`)
        const unknown = [`nobody@${domain}`, "someone@elsewhere.example", `user99999@${domain}`]
        const found = yield* (yield* directory).findUsers([...generated, ...unknown, `admin@${domain}`])
        assert.strictEqual(found.size, 61)
        for (const address of unknown) assert.isFalse(found.has(address), address)
        assert.strictEqual(found.get(`user00042@${domain}`)?.userPrincipalName, `user00042@${domain}`)
      }))

    it.effect("answers an empty request with an empty map, and repeated addresses once", () =>
      Effect.gen(function*() {
        const users = yield* directory
        assert.strictEqual((yield* users.findUsers([])).size, 0)
        const twice = yield* users.findUsers([`admin@${domain}`, `ADMIN@${domain}`])
        assert.deepStrictEqual([...twice.keys()], [`admin@${domain}`])
      }))

    it.effect("resolves directory object ids back to the same users; unknown ids are absent", () =>
      Effect.gen(function*() {
        const users = yield* directory
        const found = yield* users.findUsers([`adele.vance@${domain}`, `admin@${domain}`])
        const ids = [...found.values()].map((user) => user.id)
        const unknown = "0badc0de-0000-4000-8000-000000000000"
        const byId = yield* users.usersByIds([...ids, unknown])
        assert.strictEqual(byId.size, 2)
        assert.isFalse(byId.has(unknown))
        for (const user of found.values()) assert.deepStrictEqual(byId.get(user.id), user)
      }))
  })
