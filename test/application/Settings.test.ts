import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { defaults, SettingsConfig } from "../../src/application/Settings.ts"

const parse = (env: Record<string, string>) => Effect.result(SettingsConfig.parse(ConfigProvider.fromEnv({ env })))

describe("Settings", () => {
  it.effect("uses the seed's defaults", () =>
    Effect.gen(function*() {
      const result = yield* parse({})
      assert.isTrue(result._tag === "Success")
      if (result._tag === "Success") assert.deepStrictEqual(result.success, { ...defaults, adminAnchorMailbox: undefined })
    }))

  it.effect.each([["True", true], ["False", false], ["true", true], ["false", false], ["1", true], ["0", false], ["t", true], ["F", false], ["Y", true], ["n", false], ["ON", true], ["off", false]] as const)(
    "OWNERS_AS_MEMBERS=%s",
    ([value, expected]) =>
      Effect.gen(function*() {
        const result = yield* parse({ OWNERS_AS_MEMBERS: value, LOG_CACHE_STATS: value })
        assert.isTrue(result._tag === "Success" && result.success.ownersAsMembers === expected)
        assert.isTrue(result._tag === "Success" && result.success.logCacheStats === expected)
      })
  )

  it.effect("ADMIN_ANCHOR_MAILBOX: blank is unset; the header's SMTP: prefix is accepted", () =>
    Effect.gen(function*() {
      const blank = yield* parse({ ADMIN_ANCHOR_MAILBOX: "  " })
      assert.isTrue(blank._tag === "Success" && blank.success.adminAnchorMailbox === undefined)
      const prefixed = yield* parse({ ADMIN_ANCHOR_MAILBOX: "SMTP:admin@contoso.example" })
      assert.isTrue(prefixed._tag === "Success" && prefixed.success.adminAnchorMailbox === "SMTP:admin@contoso.example")
    }))

  it.effect("reads every variable", () =>
    Effect.gen(function*() {
      const result = yield* parse({
        CUSTOM_DOMAIN: " Fabrikam.Example ",
        ADMIN_ANCHOR_MAILBOX: "admin@fabrikam.example",
        VALIDATION_CACHE_TTL_S: "0",
        VALIDATION_CACHE_CAPACITY: "50",
        VERIFY_ATTEMPTS: "3",
        MEMBER_RETRY_ATTEMPTS: "2",
        UPSTREAM_RETRY_ATTEMPTS: "4",
        RETRY_AFTER_MAX_S: "10"
      })
      assert.isTrue(result._tag === "Success")
      if (result._tag !== "Success") return
      const s = result.success
      assert.strictEqual(s.customDomain, "fabrikam.example")
      assert.strictEqual(s.adminAnchorMailbox, "admin@fabrikam.example")
      assert.strictEqual(s.validationCacheTtlSeconds, 0)
      assert.strictEqual(s.validationCacheCapacity, 50)
      assert.deepStrictEqual([s.verify.attempts, s.member.attempts, s.upstream.attempts], [3, 2, 4])
      assert.strictEqual(s.retryAfterMaxMillis, 10_000)
    }))

  it.effect.each([
    ["OWNERS_AS_MEMBERS", "maybe"],
    ["LOG_CACHE_STATS", "yes please"],
    ["VALIDATION_CACHE_TTL_S", "-1"],
    ["VALIDATION_CACHE_TTL_S", "fifteen"],
    ["VERIFY_ATTEMPTS", "0"],
    ["MEMBER_RETRY_ATTEMPTS", "2.5"],
    ["CUSTOM_DOMAIN", "not a domain"],
    ["ADMIN_ANCHOR_MAILBOX", "admin"]
  ] as const)("an invalid %s=%s fails naming the variable", ([name, value]) =>
    Effect.gen(function*() {
      const result = yield* parse({ [name]: value })
      assert.isTrue(result._tag === "Failure")
      if (result._tag === "Failure") assert.include(result.failure.message, name)
    }))
})
