import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { TestClock } from "effect/testing"
import { UserDirectory } from "../../src/application/ports/UserDirectory.ts"
import { schedules } from "../../src/application/Retry.ts"
import { defaults, type SettingsShape } from "../../src/application/Settings.ts"
import * as UserValidation from "../../src/application/UserValidation.ts"
import * as FakeTenant from "../support/FakeTenant.ts"
import { withTime } from "../support/Harness.ts"

const users = ["ann", "bob", "cy", "dee"].map((name) => FakeTenant.user(name))

const setup = (overrides: Partial<SettingsShape> = {}) =>
  Effect.gen(function*() {
    const tenant = yield* FakeTenant.FakeTenant
    const settings = { ...defaults, ...overrides }
    const validation = yield* UserValidation.make(yield* UserDirectory, settings, schedules(settings).upstream)
    const lookups = () => FakeTenant.callsOf(tenant, "findUsers").map((call) => call.args[0])
    return { tenant, validation, lookups }
  }).pipe(Effect.provide(FakeTenant.layer(users)))

describe("UserValidation", () => {
  it.effect("looks many addresses up in ONE directory call, keyed by normalised address", () =>
    Effect.gen(function*() {
      const { lookups, validation } = yield* setup()
      const found = yield* validation.resolve(["Ann@Contoso.example", " bob@contoso.example", "zed@contoso.example"])
      assert.deepStrictEqual(lookups(), [["ann@contoso.example", "bob@contoso.example", "zed@contoso.example"]])
      assert.deepStrictEqual([...found.keys()], ["ann@contoso.example", "bob@contoso.example"])
    }))

  it.effect("a cached user costs no directory call; only the misses are looked up", () =>
    Effect.gen(function*() {
      const { lookups, validation } = yield* setup()
      yield* validation.resolve(["ann@contoso.example", "bob@contoso.example"])
      yield* validation.resolve(["ANN@contoso.example"])
      yield* validation.resolve(["ann@contoso.example", "cy@contoso.example", "bob@contoso.example"])
      assert.deepStrictEqual(lookups(), [["ann@contoso.example", "bob@contoso.example"], ["cy@contoso.example"]])
    }))

  it.effect("unknown users are not cached: a user created later is found at once", () =>
    Effect.gen(function*() {
      const { lookups, tenant, validation } = yield* setup()
      const first = yield* validation.resolve(["eve@contoso.example"])
      assert.strictEqual(first.size, 0)
      tenant.users.push(FakeTenant.user("eve"))
      const second = yield* validation.resolve(["eve@contoso.example"])
      assert.strictEqual(second.size, 1)
      assert.strictEqual(lookups().length, 2)
    }))

  it.effect("entries expire after VALIDATION_CACHE_TTL_S", () =>
    Effect.gen(function*() {
      const { lookups, validation } = yield* setup({ validationCacheTtlSeconds: 900 })
      yield* validation.resolve(["ann@contoso.example"])
      yield* TestClock.adjust("899 seconds")
      yield* validation.resolve(["ann@contoso.example"])
      assert.strictEqual(lookups().length, 1)
      yield* TestClock.adjust("1 second")
      yield* validation.resolve(["ann@contoso.example"])
      assert.strictEqual(lookups().length, 2)
    }))

  it.effect("VALIDATION_CACHE_TTL_S=0 disables the cache", () =>
    Effect.gen(function*() {
      const { lookups, validation } = yield* setup({ validationCacheTtlSeconds: 0 })
      yield* validation.resolve(["ann@contoso.example"])
      yield* validation.resolve(["ann@contoso.example"])
      assert.strictEqual(lookups().length, 2)
    }))

  it.effect("requireAll names every unknown address in the caller's spelling", () =>
    Effect.gen(function*() {
      const { validation } = yield* setup()
      const error = yield* Effect.flip(
        validation.requireAll(["ann@contoso.example", "Zed@Contoso.example", "yan@contoso.example", "zed@contoso.example"])
      )
      assert.strictEqual(error._tag, "UsersNotFound")
      if (error._tag === "UsersNotFound") {
        assert.deepStrictEqual(error.addresses, ["Zed@Contoso.example", "yan@contoso.example"])
      }
    }))

  it.effect("transient directory failures are retried", () =>
    Effect.gen(function*() {
      const { lookups, tenant, validation } = yield* setup()
      FakeTenant.failNext(tenant, "findUsers", FakeTenant.transient("findUsers"), FakeTenant.transient("findUsers"))
      const found = yield* withTime(validation.resolve(["ann@contoso.example"]))
      assert.strictEqual(found.size, 1)
      assert.strictEqual(lookups().length, 3)
    }))

  it.effect("LOG_CACHE_STATS logs hits, misses, expiries and evictions", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ message }) => {
        lines.push(String(Array.isArray(message) ? message.join(" ") : message))
      })
      const run = Effect.gen(function*() {
        const { validation } = yield* setup({ logCacheStats: true, validationCacheCapacity: 2, validationCacheTtlSeconds: 60 })
        yield* validation.resolve(["ann@contoso.example", "bob@contoso.example"])
        yield* TestClock.adjust("61 seconds")
        yield* validation.resolve(["ann@contoso.example", "cy@contoso.example", "dee@contoso.example"])
        yield* validation.resolve(["dee@contoso.example"])
      })
      yield* run.pipe(Effect.provide(Logger.layer([logger])))
      const stats = lines.filter((line) => line.startsWith("User cache"))
      assert.deepStrictEqual(stats, [
        "User cache: 0 hit(s), 2 miss(es), 0 expired, 0 evicted; 2 cached",
        "User cache: 0 hit(s), 3 miss(es), 1 expired, 2 evicted; 2 cached",
        "User cache: 1 hit(s), 0 miss(es), 0 expired, 0 evicted; 2 cached"
      ])
    }))
})
