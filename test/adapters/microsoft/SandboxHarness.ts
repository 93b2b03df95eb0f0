import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as MicrosoftAdapters from "../../../src/adapters/microsoft/MicrosoftAdapters.ts"
import type { NewGroup } from "../../../src/application/ports/GroupStore.ts"
import * as Server from "../../../src/sandbox/Server.ts"

type ServiceOptions = NonNullable<Parameters<typeof Server.layerServicesTest>[0]>

/**
 * The sandbox on an ephemeral 127.0.0.1 port and the Microsoft adapters pointed at it the way a
 * deployment would be configured: TENANT_ID, CLIENT_ID, a credential and the three base URLs.
 * Real msal-node, real HTTP (fetch). The sandbox's services stay in the output for seeding and knobs.
 */
export const adaptersOverSandbox = (
  options: ServiceOptions & {
    /** A PEM path to sign in with a certificate instead of the registered secret. */
    readonly certificatePath?: string
    /** A secret other than the registered one. */
    readonly clientSecret?: string
  } = {}
) => {
  const sandbox = Server.layerWith(Server.layerServicesTest(options))
  const adapters = Layer.unwrap(
    Effect.map(Server.Sandbox, (info) =>
      MicrosoftAdapters.layerWith({
        TENANT_ID: info.tenantId,
        CLIENT_ID: info.clientId,
        ...(options.certificatePath !== undefined
          ? { CLIENT_CERTIFICATE_PATH: options.certificatePath }
          : { CLIENT_SECRET: options.clientSecret ?? Redacted.value(info.clientSecret) }),
        AUTHORITY_HOST: info.baseUrl,
        GRAPH_BASE_URL: info.baseUrl,
        EXCHANGE_BASE_URL: info.baseUrl
      }))
  )
  return adapters.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(sandbox))
}

/** The sandbox's default mail domain and the admin mailbox that owns and anchors the fixtures' groups. */
export const domain = "contoso.example"
export const admin = `admin@${domain}`

/** `count` of the sandbox's generated users from `user<from>`. */
export const generated = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `user${String(from + i).padStart(5, "0")}@${domain}`)

/** A group as the service would create it: name = alias, owned and anchored by `admin`. */
export const group = (alias: string, members: ReadonlyArray<string>): NewGroup => ({
  name: alias,
  alias,
  displayName: alias,
  primarySmtpAddress: `${alias}@${domain}`,
  managedBy: [admin],
  members,
  requireSenderAuthenticationEnabled: true,
  anchor: admin
})
