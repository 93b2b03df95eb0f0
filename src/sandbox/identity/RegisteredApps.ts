import { Context, Effect, Layer, Redacted } from "effect"
import { SandboxConfig } from "../Config.ts"
import type { Resource } from "./Resources.ts"
import { certificatePem, type Thumbprints, thumbprints } from "./SandboxCertificate.ts"

export interface RegisteredCertificate {
  readonly pem: string
  readonly thumbprints: Thumbprints
}

/** An app registration with its credentials and the application permissions consented in the tenant. */
export interface RegisteredApp {
  readonly clientId: string
  readonly displayName: string
  readonly servicePrincipalId: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  readonly certificates: ReadonlyArray<RegisteredCertificate>
  readonly roles: Readonly<Record<Resource["name"], ReadonlyArray<string>>>
}

/**
 * The roles the service's app holds: Exchange.ManageAsApp (spec: exchange-admin-rest.md §1.2) and the
 * Graph read roles the user directory needs (spec: graph-and-identity.md §3: getByIds wants Directory.Read.All).
 */
export const serviceAppRoles: RegisteredApp["roles"] = {
  graph: ["User.Read.All", "Directory.Read.All", "Group.Read.All", "GroupMember.Read.All"],
  exchange: ["Exchange.ManageAsApp"]
}

/** The sandbox tenant's directory of app registrations, and how the tenant is addressed. */
export class RegisteredApps extends Context.Service<RegisteredApps, {
  readonly tenantId: string
  readonly tenantDomain: string
  readonly tenantDisplayName: string
  /** True when a path segment names this tenant: its GUID or its domain, case-insensitively. */
  readonly isTenant: (segment: string) => boolean
  readonly find: (clientId: string) => Effect.Effect<RegisteredApp | undefined>
  /** Adds or replaces an app registration (control face, tests). */
  readonly register: (app: RegisteredApp) => Effect.Effect<void>
  /** The service's own app, from `SANDBOX_CLIENT_ID`/`SANDBOX_CLIENT_SECRET` and the sandbox certificate. */
  readonly serviceApp: RegisteredApp
}>()("distribution-list-api/sandbox/identity/RegisteredApps") {
  static readonly layer = Layer.effect(
    RegisteredApps,
    Effect.gen(function*() {
      const config = yield* SandboxConfig
      const certificate: RegisteredCertificate = {
        pem: certificatePem,
        thumbprints: yield* Effect.promise(() => thumbprints(certificatePem))
      }
      const serviceApp: RegisteredApp = {
        clientId: config.clientId.toLowerCase(),
        displayName: config.appDisplayName,
        servicePrincipalId: config.servicePrincipalId,
        secrets: [config.clientSecret],
        certificates: [certificate],
        roles: serviceAppRoles
      }
      const apps = new Map([[serviceApp.clientId, serviceApp]])
      const tenantId = config.tenantId.toLowerCase()
      const tenantDomain = config.tenantDomain.toLowerCase()
      return RegisteredApps.of({
        tenantId,
        tenantDomain,
        tenantDisplayName: config.tenantDisplayName,
        isTenant: (segment) => {
          const s = segment.toLowerCase()
          return s === tenantId || s === tenantDomain
        },
        find: (clientId) => Effect.sync(() => apps.get(clientId.toLowerCase())),
        register: (app) => Effect.sync(() => void apps.set(app.clientId.toLowerCase(), app)),
        serviceApp
      })
    })
  )
}
