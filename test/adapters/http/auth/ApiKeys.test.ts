import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted, Result } from "effect"
import { TestConsole } from "effect/testing"
import * as ApiKeys from "../../../../src/adapters/http/auth/ApiKeys.ts"

const secret = "s3cret-key-0123456789"
const other = "another-key-abcdefghij"

const service = Effect.gen(function*() {
  return yield* ApiKeys.ApiKeys
})

const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("ApiKeys.parseApiKeys", () => {
  it("reads name:role:key entries, a key may contain ':'", () => {
    const parsed = ApiKeys.parseApiKeys(` ci:writer:${secret} , ops:admin:a:b:c:d-0123456789abc,`)
    assert.isTrue(Result.isSuccess(parsed))
    const entries = Result.getOrThrow(parsed)
    assert.deepStrictEqual(entries.map((e) => [e.name, e.role, Redacted.value(e.key)]), [
      ["ci", "writer", secret],
      ["ops", "admin", "a:b:c:d-0123456789abc"]
    ])
  })

  it("an empty value is no keys", () => {
    assert.deepStrictEqual(Result.getOrThrow(ApiKeys.parseApiKeys("")), [])
  })

  const invalid: ReadonlyArray<readonly [string, string]> = [
    [secret, "entry 1 is not of the form name:role:key"],
    [`ci:root:${secret}`, "entry 1 ('ci') has an unknown role; use reader, writer or admin"],
    ["ci:reader:short", "entry 1 ('ci') needs a key of 16 to 512 printable characters"],
    [`ci:reader:${secret},ci:admin:${other}`, "entry 2 ('ci') repeats a name"],
    [`bad name:reader:${secret}`, "entry 1 has an invalid name (letters, digits, '.', '_', '-')"]
  ]
  for (const [value, message] of invalid) {
    it(`rejects: ${message}`, () => {
      const parsed = ApiKeys.parseApiKeys(value)
      assert.deepStrictEqual(parsed, Result.fail(message))
    })
  }
})

describe("ApiKeys service", () => {
  const keys = ApiKeys.make([
    { name: "reader-bot", role: "reader", key: Redacted.make(secret) },
    { name: "ops", role: "admin", key: Redacted.make(other) }
  ])

  it("finds the caller of a presented key, and nobody for a wrong one", () => {
    assert.deepStrictEqual(keys.authenticate(Redacted.make(other)), Option.some({ kind: "apiKey", name: "ops", role: "admin" }))
    assert.deepStrictEqual(
      keys.authenticate(Redacted.make(secret)),
      Option.some({ kind: "apiKey", name: "reader-bot", role: "reader" })
    )
    assert.isTrue(Option.isNone(keys.authenticate(Redacted.make(secret + "x"))))
    assert.isTrue(Option.isNone(keys.authenticate(Redacted.make(""))))
    assert.isTrue(keys.enabled)
    assert.isFalse(ApiKeys.make([]).enabled)
  })

  it.effect("an invalid API_KEYS stops startup naming the variable, never the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(Effect.asVoid(service), ApiKeys.layerConfig.pipe(
          Layer.provide(withEnv({ API_KEYS: `ci:superuser:${secret}` }))
        ))
      )
      assert.include(error.message, "API_KEYS")
      assert.include(error.message, "unknown role")
      assert.notInclude(error.message, secret)
      assert.notInclude(String(error), secret)
    }))

  it.effect("without API_KEYS in sandbox mode, generates one admin key and prints it once with a curl line", () =>
    Effect.gen(function*() {
      const keys = yield* Effect.provide(
        service,
        ApiKeys.layerFromEnvOrGenerated({ baseUrl: "http://localhost:8080/" }).pipe(Layer.provide(withEnv({})))
      )
      const lines = yield* TestConsole.logLines
      assert.strictEqual(lines.length, 1)
      const printed = String(lines[0])
      const key = /X-API-Key: ([A-Za-z0-9_-]{43})"/.exec(printed)?.[1]
      assert.isDefined(key)
      assert.include(printed, "curl -H \"X-API-Key: ")
      assert.include(printed, " http://localhost:8080/api/dl/")
      // a first call that works on the fresh sandbox: create the list the GET line reads
      assert.include(printed, `-d '{"name":"Marketing Team","ownerEmails":["adele.vance@contoso.example"]`)
      assert.include(printed, " http://localhost:8080/api/dl\n")
      assert.deepStrictEqual(
        keys.authenticate(Redacted.make(key!)),
        Option.some({ kind: "apiKey", name: "sandbox-admin", role: "admin" })
      )
    }).pipe(Effect.provide(TestConsole.layer)))

  it.effect("with API_KEYS set, sandbox mode uses them and prints nothing", () =>
    Effect.gen(function*() {
      const keys = yield* Effect.provide(
        service,
        ApiKeys.layerFromEnvOrGenerated({ baseUrl: "http://localhost:8080" }).pipe(
          Layer.provide(withEnv({ API_KEYS: `ci:writer:${secret}` }))
        )
      )
      assert.deepStrictEqual(yield* TestConsole.logLines, [])
      assert.isTrue(Option.isSome(keys.authenticate(Redacted.make(secret))))
    }).pipe(Effect.provide(TestConsole.layer)))
})
