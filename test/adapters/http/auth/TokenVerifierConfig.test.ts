import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { config } from "../../../../src/adapters/http/auth/TokenVerifier.ts"

const authorityWith = (env: Record<string, string>) =>
  Effect.map(Effect.gen(function*() { return yield* config }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))), (c) => c.authorityHost)

describe("TokenVerifier.config", () => {
  it.effect("takes the token issuer's authority from CLOUD, as the Microsoft adapters do; AUTHORITY_HOST wins", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* authorityWith({ TENANT_ID: "t" }), "https://login.microsoftonline.com")
      assert.strictEqual(yield* authorityWith({ TENANT_ID: "t", CLOUD: "usgov-gcch" }), "https://login.microsoftonline.us")
      assert.strictEqual(yield* authorityWith({ TENANT_ID: "t", CLOUD: "china" }), "https://login.partner.microsoftonline.cn")
      assert.strictEqual(
        yield* authorityWith({ TENANT_ID: "t", CLOUD: "china", AUTHORITY_HOST: "http://127.0.0.1:9" }),
        "http://127.0.0.1:9"
      )
    }))
})
