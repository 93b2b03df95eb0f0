/**
 * Fidelity of the token endpoint, proven by @azure/msal-node 7.2.3 unmodified
 * (spec: graph-and-identity.md §7.3/§7.4 for how it is pointed at the sandbox, §6.3/§7.5 for errors).
 */
import { ConfidentialClientApplication, type Configuration, ServerError } from "@azure/msal-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Jose from "jose"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

// Config B (spec §7.4): public-cloud authority, token endpoint moved to the sandbox by authorityMetadata.
const configB = (sandbox: Server.SandboxInfo, auth: Partial<Configuration["auth"]>, tenant = sandbox.tenantId): Configuration => ({
  auth: {
    clientId: sandbox.clientId,
    authority: `https://login.microsoftonline.com/${tenant}`,
    authorityMetadata: JSON.stringify({
      token_endpoint: `${sandbox.baseUrl}/${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${sandbox.baseUrl}/${tenant}/oauth2/v2.0/authorize`,
      issuer: `${sandbox.baseUrl}/${tenant}/v2.0`,
      jwks_uri: `${sandbox.baseUrl}/${tenant}/discovery/v2.0/keys`
    }),
    ...auth
  }
})

// Config A (spec §7.4): a custom https authority host; every call is rewritten to the sandbox, which then
// serves instance discovery and the OpenID configuration too (issuer validated by msal, §7.2).
const configA = (sandbox: Server.SandboxInfo, calls: Array<string>): Configuration => ({
  auth: {
    clientId: sandbox.clientId,
    authority: `https://login.sandbox.test/${sandbox.tenantDomain}`,
    clientSecret: Redacted.value(sandbox.clientSecret)
  },
  system: {
    networkClient: {
      sendGetRequestAsync: (url, options) => send(sandbox, calls, url, "GET", options),
      sendPostRequestAsync: (url, options) => send(sandbox, calls, url, "POST", options)
    }
  }
})

const send = async (
  sandbox: Server.SandboxInfo,
  calls: Array<string>,
  url: string,
  method: string,
  options?: { headers?: Record<string, string>; body?: string }
) => {
  const u = new URL(url)
  calls.push(`${method} ${u.host}${u.pathname}`)
  const response = await fetch(`${sandbox.baseUrl}${u.pathname}${u.search}`, {
    method,
    headers: { ...options?.headers, "x-forwarded-host": u.host, "x-forwarded-proto": "https" },
    ...(method === "POST" ? { body: options?.body ?? "" } : {})
  })
  const headers: Record<string, string> = {}
  response.headers.forEach((v, k) => (headers[k] = v))
  return { headers, body: await response.json() as never, status: response.status }
}

const acquire = (config: Configuration, scope = "https://graph.microsoft.com/.default") =>
  Effect.promise(() =>
    new ConfidentialClientApplication(config).acquireTokenByClientCredential({ scopes: [scope], skipCache: true })
      .then((result) => ({ ok: true as const, token: result!.accessToken }), (error: unknown) => ({ ok: false as const, error }))
  )

const serverError = (outcome: { ok: true } | { ok: false; error: unknown }) => {
  assert.isFalse(outcome.ok)
  const error = (outcome as { error: unknown }).error
  assert.instanceOf(error, ServerError)
  return error as ServerError
}

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("msal-node against the sandbox token endpoint", (it) => {
  it.effect("client secret: a v1 Graph token with the app's roles (spec §6.2, exchange-admin-rest.md §1.2)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const tokens = yield* AccessTokens
      const outcome = yield* acquire(configB(sandbox, { clientSecret: Redacted.value(sandbox.clientSecret) }))
      assert.isTrue(outcome.ok)
      const claims = yield* tokens.verify(`Bearer ${(outcome as { token: string }).token}`, "https://graph.microsoft.com")
      assert.strictEqual(claims.iss, `https://sts.windows.net/${sandbox.tenantId}/`)
      assert.strictEqual(claims.appid, sandbox.clientId)
      assert.includeMembers([...claims.roles], ["User.Read.All", "Directory.Read.All"])

      const exo = yield* acquire(configB(sandbox, { clientSecret: Redacted.value(sandbox.clientSecret) }), "https://outlook.office365.com/.default")
      const exoClaims = yield* tokens.verify(`Bearer ${(exo as { token: string }).token}`, "https://outlook.office365.com")
      assert.deepStrictEqual(exoClaims.roles, ["Exchange.ManageAsApp"])
      assert.strictEqual(exoClaims.ver, "1.0")
    }))

  it.effect("certificate: msal's PS256 x5t#S256 assertion and the deprecated RS256 x5t one (spec §6.1)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const { privateKeyPem, thumbprintSha256, thumbprint } = sandbox.certificate
      const ps256 = yield* acquire(configB(sandbox, { clientCertificate: { thumbprintSha256, privateKey: privateKeyPem } }))
      assert.isTrue(ps256.ok, String((ps256 as { error?: unknown }).error))
      const token = (ps256 as { token: string }).token
      assert.strictEqual(Jose.decodeJwt(token)["appidacr"], "2")
      const rs256 = yield* acquire(configB(sandbox, { clientCertificate: { thumbprint, privateKey: privateKeyPem } }))
      assert.isTrue(rs256.ok)
    }))

  it.effect("certificate signed by an unregistered key: AADSTS700027 invalid_client", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const { privateKey } = yield* Effect.promise(() => Jose.generateKeyPair("RS256", { extractable: true }))
      const otherKey = yield* Effect.promise(() => Jose.exportPKCS8(privateKey))
      const outcome = yield* acquire(configB(sandbox, {
        clientCertificate: { thumbprintSha256: sandbox.certificate.thumbprintSha256, privateKey: otherKey }
      }))
      const error = serverError(outcome)
      assert.strictEqual(error.errorCode, "invalid_client")
      assert.strictEqual(String(error.errorNo), "700027")
      assert.strictEqual(error.status, 401)
    }))

  it.effect("wrong secret: 401 invalid_client AADSTS7000215 (spec §6.3, verified)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const outcome = yield* acquire(configB(sandbox, { clientSecret: "not-the-secret" }))
      const error = serverError(outcome)
      assert.strictEqual(error.errorCode, "invalid_client")
      assert.strictEqual(String(error.errorNo), "7000215")
      assert.strictEqual(error.status, 401)
      assert.include(error.errorMessage, "AADSTS7000215: Invalid client secret provided.")
      assert.notInclude(error.errorMessage, "not-the-secret")
    }))

  it.effect("unknown client: unauthorized_client AADSTS700016 (spec §6.3)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const outcome = yield* acquire(configB(sandbox, { clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "x" }))
      const error = serverError(outcome)
      assert.strictEqual(error.errorCode, "unauthorized_client")
      assert.strictEqual(String(error.errorNo), "700016")
      assert.strictEqual(error.status, 400)
    }))

  it.effect("unknown tenant: invalid_tenant AADSTS90002 (spec §6.3)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const outcome = yield* acquire(
        configB(sandbox, { clientSecret: Redacted.value(sandbox.clientSecret) }, "99999999-8888-7777-6666-555555555555")
      )
      const error = serverError(outcome)
      assert.strictEqual(error.errorCode, "invalid_tenant")
      assert.strictEqual(String(error.errorNo), "90002")
      assert.strictEqual(error.status, 400)
    }))

  it.effect("bad scope: invalid_scope AADSTS70011 (spec §6.3)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const outcome = yield* acquire(configB(sandbox, { clientSecret: Redacted.value(sandbox.clientSecret) }), "https://foo.microsoft.com/.default")
      const error = serverError(outcome)
      assert.strictEqual(error.errorCode, "invalid_scope")
      assert.strictEqual(String(error.errorNo), "70011")
    }))

  it.effect("custom authority host through instance discovery and the OpenID configuration (spec §7.1, §7.2)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const calls: Array<string> = []
      const outcome = yield* acquire(configA(sandbox, calls))
      assert.isTrue(outcome.ok, String((outcome as { error?: unknown }).error))
      assert.deepStrictEqual(calls, [
        "GET login.microsoftonline.com/common/discovery/instance",
        `GET login.sandbox.test/${sandbox.tenantDomain}/v2.0/.well-known/openid-configuration`,
        `POST login.sandbox.test/${sandbox.tenantDomain}/oauth2/v2.0/token`
      ])
    }))
})
