/** Graph's 429 headers (spec: graph-and-identity.md §5), over real HTTP. */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

layer(Server.layerWith(Server.layerServicesTest({ knobs: { throttleRps: 1 } })), { excludeTestServices: true })("Graph throttling", (it) => {
  it.effect("a 429 names its scope <Scope>/<Limit>/<AppId>/<TenantId> and ResourceUnitLimitExceeded (§5 headers)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const { token } = yield* Effect.flatMap(AccessTokens, (t) => t.issue({ aud: "https://graph.microsoft.com", appid: "app-1", roles: ["User.Read.All"] }))
      const statuses = yield* Effect.forEach([1, 2, 3], () =>
        Effect.promise(() => fetch(`${sandbox.baseUrl}/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${token}` } })), { concurrency: "unbounded" })
      const throttled = statuses.find((r) => r.status === 429)
      assert.isDefined(throttled)
      assert.strictEqual(throttled!.headers.get("x-ms-throttle-scope"), `Tenant_Application/ReadWrite/app-1/${sandbox.tenantId}`)
      assert.strictEqual(throttled!.headers.get("x-ms-throttle-information"), "ResourceUnitLimitExceeded")
      assert.match(throttled!.headers.get("retry-after") ?? "", /^\d+$/)
    }))
})
