import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { Unauthorized } from "../../../../src/adapters/http/auth/Errors.ts"
import * as TokenVerifier from "../../../../src/adapters/http/auth/TokenVerifier.ts"
import * as SandboxServer from "../../../../src/sandbox/Server.ts"

const Minted = Schema.Struct({ access_token: Schema.String })

// The sandbox on 127.0.0.1 (ephemeral port): its OpenID configuration, JWKS and `/_sandbox/tokens`
// over real loopback HTTP, as `npm start` uses them without TENANT_ID.
describe("Tokens minted by the sandbox tenant", () => {
  it.live("are accepted through the sandbox's discovery over loopback http; other audiences are not", () =>
    Effect.gen(function*() {
      const sandbox = yield* SandboxServer.Sandbox
      const client = yield* HttpClient.HttpClient
      const mint = (order: Record<string, unknown>) =>
        HttpClientRequest.post(`${sandbox.baseUrl}/_sandbox/tokens`).pipe(
          HttpClientRequest.bodyJsonUnsafe(order),
          client.execute,
          Effect.flatMap(HttpClientResponse.schemaBodyJson(Minted)),
          Effect.map((body) => Redacted.make(body.access_token))
        )
      const verifier = yield* TokenVerifier.TokenVerifier.pipe(
        Effect.provide(
          TokenVerifier.layerConfigWith({ authorityHost: sandbox.baseUrl, tenant: sandbox.tenantId }).pipe(
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ API_AUDIENCE: "api://distribution-list-api" })))
          )
        )
      )
      const app = yield* verifier.verify(yield* mint({ aud: "api://distribution-list-api", roles: ["DL.Admin"] }))
      assert.strictEqual(app.kind, "app")
      assert.strictEqual(app.role, "admin")
      const user = yield* verifier.verify(
        yield* mint({ aud: "api://distribution-list-api", scp: "DL.ReadWrite", upn: "adele.vance@contoso.example" })
      )
      assert.deepStrictEqual([user.kind, user.name, user.selfService], ["user", "adele.vance@contoso.example", true])
      const graph = yield* Effect.flip(verifier.verify(yield* mint({ aud: "https://graph.microsoft.com", roles: ["DL.Admin"] })))
      assert.instanceOf(graph, Unauthorized)
    }).pipe(
      Effect.provide(SandboxServer.layerWith(SandboxServer.layerServicesTest())),
      Effect.provide(FetchHttpClient.layer)
    ), 20_000)
})
