import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { origins } from "../../../src/adapters/http/Cors.ts"
import { readConfig } from "../../support/ConfigFrom.ts"

describe("CORS_ORIGINS", () => {
  it.effect("origins as browsers send them: a trailing slash dropped, scheme and host in lower case", () =>
    Effect.gen(function*() {
      const allowed = yield* readConfig(origins, { CORS_ORIGINS: " https://Portal.Contoso.example/ , http://localhost:3000" })
      assert.deepStrictEqual([...allowed], ["https://portal.contoso.example", "http://localhost:3000"])
      assert.strictEqual((yield* readConfig(origins, {})).size, 0)
    }))

  it.effect("anything that is no origin stops start-up, naming the variable and the value", () =>
    Effect.gen(function*() {
      for (const value of ["not-a-url", "https://app.contoso.example/path", "ftp://files.contoso.example", "https://a.example:443"]) {
        const error = yield* Effect.flip(readConfig(origins, { CORS_ORIGINS: `https://ok.example, ${value}` }))
        assert.include(String(error), "CORS_ORIGINS")
        assert.include(String(error), value)
      }
    }))
})
