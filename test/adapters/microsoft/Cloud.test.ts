import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as Cloud from "../../../src/adapters/microsoft/Cloud.ts"

const tenant = "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c"

describe("Cloud settings", () => {
  it.effect("defaults to the global cloud, with scopes on the cloud's resource hosts", () =>
    Effect.gen(function*() {
      const settings = yield* Cloud.settingsFrom({ TENANT_ID: tenant, CLIENT_ID: "app" })
      assert.deepStrictEqual(settings, {
        cloud: "global",
        tenantId: tenant,
        clientId: "app",
        authorityHost: "https://login.microsoftonline.com",
        graphBaseUrl: "https://graph.microsoft.com/v1.0",
        exchangeBaseUrl: "https://outlook.office365.com",
        graphScope: "https://graph.microsoft.com/.default",
        exchangeScope: "https://outlook.office365.com/.default"
      })
    }))

  it.effect.each([
    ["usgov-gcch", "https://login.microsoftonline.us", "https://graph.microsoft.us/v1.0", "https://outlook.office365.us"],
    ["usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us/v1.0", "https://outlook-dod.office365.us"],
    ["china", "https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn/v1.0", "https://outlook.office365.cn"]
  ])("CLOUD=%s picks its authority, Graph and Exchange hosts", ([cloud, authority, graph, exchange]) =>
    Effect.gen(function*() {
      const settings = yield* Cloud.settingsFrom({ CLOUD: cloud, TENANT_ID: tenant })
      assert.strictEqual(settings.authorityHost, authority)
      assert.strictEqual(settings.graphBaseUrl, graph)
      assert.strictEqual(settings.exchangeBaseUrl, exchange)
    }))

  it.effect("overrides keep the cloud's scopes and accept http on loopback", () =>
    Effect.gen(function*() {
      const settings = yield* Cloud.settingsFrom({
        TENANT_ID: tenant,
        AUTHORITY_HOST: "http://127.0.0.1:4010",
        GRAPH_BASE_URL: "http://localhost:4010/v1.0/",
        EXCHANGE_BASE_URL: "http://[::1]:4010/"
      })
      assert.strictEqual(settings.authorityHost, "http://127.0.0.1:4010")
      assert.strictEqual(settings.graphBaseUrl, "http://localhost:4010/v1.0")
      assert.strictEqual(settings.exchangeBaseUrl, "http://[::1]:4010")
      assert.strictEqual(settings.exchangeScope, "https://outlook.office365.com/.default")
    }))

  it.effect.each([
    [{ AUTHORITY_HOST: "http://login.example.com" }, "AUTHORITY_HOST", /loopback/],
    [{ GRAPH_BASE_URL: "http://10.0.0.5:8080" }, "GRAPH_BASE_URL", /loopback/],
    [{ EXCHANGE_BASE_URL: "ftp://127.0.0.1" }, "EXCHANGE_BASE_URL", /https/],
    [{ EXCHANGE_BASE_URL: "not a url" }, "EXCHANGE_BASE_URL", /absolute URL/],
    [{ AUTHORITY_HOST: "https://login.example.com/tenant" }, "AUTHORITY_HOST", /origin/],
    [{ CLOUD: "germany" }, "CLOUD", /not one of/],
    [{ TENANT_ID: "" }, "TENANT_ID", /required/]
  ] as const)("rejects %j naming %s", ([overrides, variable, problem]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Cloud.settingsFrom({ TENANT_ID: tenant, ...overrides }))
      assert.deepStrictEqual(error.variables, [variable])
      assert.match(error.message, problem)
      assert.isTrue(error.message.startsWith(variable))
    }))

  it.effect("the layer reads the environment through Config", () =>
    Effect.gen(function*() {
      const settings = yield* Cloud.Cloud
      assert.strictEqual(settings.tenantId, tenant)
      assert.strictEqual(settings.cloud, "china")
    }).pipe(
      Effect.provide(Cloud.layer),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ TENANT_ID: tenant, CLOUD: "china" })))
    ))
})
