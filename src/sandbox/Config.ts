import { Config, Context, Effect, Layer, Redacted } from "effect"

/** The sandbox tenant's identity and the one app registered in it (the app the service runs as). */
export interface SandboxSettings {
  /** Directory (tenant) id, a GUID; the tenant is also addressable by `tenantDomain`. */
  readonly tenantId: string
  /** The tenant's initial domain, `<name>.onmicrosoft.com`. */
  readonly tenantDomain: string
  readonly tenantDisplayName: string
  /** Application (client) id of the registered app. */
  readonly clientId: string
  /** Object id of the app's service principal: the `oid`/`sub` of its app-only tokens. */
  readonly servicePrincipalId: string
  readonly appDisplayName: string
  readonly clientSecret: Redacted.Redacted<string>
}

/** Documented defaults (README); every value is fake and exists only inside the sandbox. */
export const defaults = {
  tenantId: "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c",
  tenantDomain: "contososandbox.onmicrosoft.com",
  tenantDisplayName: "Contoso Sandbox",
  clientId: "7c2e4d1a-5b3f-4a6e-9d8c-1f0e2a3b4c5d",
  servicePrincipalId: "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
  appDisplayName: "distribution-list-api",
  clientSecret: "sbx8Q~SandboxClientSecret.NotReal-0123456789"
} as const

export class SandboxConfig extends Context.Service<SandboxConfig, SandboxSettings>()(
  "distribution-list-api/sandbox/SandboxConfig"
) {
  /** Reads `SANDBOX_TENANT_ID`, `SANDBOX_TENANT_DOMAIN`, `SANDBOX_CLIENT_ID`, `SANDBOX_CLIENT_SECRET`. */
  static readonly layer = Layer.effect(
    SandboxConfig,
    Effect.gen(function*() {
      const env = yield* Config.all({
        tenantId: Config.String("SANDBOX_TENANT_ID").pipe(Config.withDefault(defaults.tenantId)),
        tenantDomain: Config.String("SANDBOX_TENANT_DOMAIN").pipe(Config.withDefault(defaults.tenantDomain)),
        clientId: Config.String("SANDBOX_CLIENT_ID").pipe(Config.withDefault(defaults.clientId)),
        clientSecret: Config.Redacted("SANDBOX_CLIENT_SECRET").pipe(
          Config.withDefault(Redacted.make(defaults.clientSecret))
        )
      })
      return SandboxConfig.of({
        ...defaults,
        tenantId: env.tenantId.toLowerCase(),
        tenantDomain: env.tenantDomain.toLowerCase(),
        clientId: env.clientId.toLowerCase(),
        clientSecret: env.clientSecret
      })
    })
  )

  /** Fixed settings (defaults unless overridden), for tests and in-process use. */
  static readonly layerWith = (overrides: Partial<SandboxSettings> = {}) =>
    Layer.succeed(SandboxConfig, SandboxConfig.of({
      ...defaults,
      clientSecret: Redacted.make(defaults.clientSecret),
      ...overrides
    }))
}
