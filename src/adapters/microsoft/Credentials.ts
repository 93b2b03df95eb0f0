import { Config, Effect, Option, Redacted } from "effect"
import { createPrivateKey, X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import { flag } from "../../application/Settings.ts"
import { MicrosoftConfigError } from "./Cloud.ts"

/** How the app proves who it is to the identity platform; exactly one is configured. */
export type Credential =
  | { readonly _tag: "ClientSecret"; readonly clientId: string; readonly secret: Redacted.Redacted<string> }
  | {
    readonly _tag: "Certificate"
    readonly clientId: string
    /** Hex SHA-256 thumbprint of the certificate, as msal-node's `thumbprintSha256` expects. */
    readonly thumbprintSha256: string
    /** Unencrypted PKCS#8 PEM. */
    readonly privateKey: Redacted.Redacted<string>
  }
  | { readonly _tag: "ManagedIdentity"; readonly userAssignedClientId: string | undefined }

export interface RawCredentials {
  readonly CLIENT_SECRET?: Redacted.Redacted<string> | undefined
  readonly CLIENT_CERTIFICATE_PATH?: string | undefined
  readonly CLIENT_CERTIFICATE_PASSWORD?: Redacted.Redacted<string> | undefined
  readonly USE_MANAGED_IDENTITY?: boolean | undefined
  readonly MANAGED_IDENTITY_CLIENT_ID?: string | undefined
}

const blank = (value: string | undefined) => value === undefined || value.trim() === ""
const blankSecret = (value: Redacted.Redacted<string> | undefined) => value === undefined || blank(Redacted.value(value))

const fail = (variables: ReadonlyArray<string>, problem: string) =>
  Effect.fail(new MicrosoftConfigError({ variables, problem }))

/** Picks the one credential the settings describe; incomplete or contradictory settings fail. */
export const credentialFrom = (
  raw: RawCredentials,
  clientId: string | undefined
): Effect.Effect<Credential, MicrosoftConfigError> => {
  const chosen = [
    blankSecret(raw.CLIENT_SECRET) ? undefined : "CLIENT_SECRET",
    blank(raw.CLIENT_CERTIFICATE_PATH) ? undefined : "CLIENT_CERTIFICATE_PATH",
    raw.USE_MANAGED_IDENTITY === true ? "USE_MANAGED_IDENTITY" : undefined
  ].filter((name) => name !== undefined)
  if (chosen.length === 0) {
    return fail(
      ["CLIENT_SECRET", "CLIENT_CERTIFICATE_PATH", "USE_MANAGED_IDENTITY"],
      "no credential configured: set CLIENT_SECRET, or CLIENT_CERTIFICATE_PATH, or USE_MANAGED_IDENTITY=true"
    )
  }
  if (chosen.length > 1) return fail(chosen, "contradictory credentials: set only one of them")
  if (!blankSecret(raw.CLIENT_CERTIFICATE_PASSWORD) && chosen[0] !== "CLIENT_CERTIFICATE_PATH") {
    return fail(["CLIENT_CERTIFICATE_PASSWORD", "CLIENT_CERTIFICATE_PATH"], "a certificate password needs a certificate path")
  }
  if (!blank(raw.MANAGED_IDENTITY_CLIENT_ID) && chosen[0] !== "USE_MANAGED_IDENTITY") {
    return fail(["MANAGED_IDENTITY_CLIENT_ID", "USE_MANAGED_IDENTITY"], "a managed identity client id needs USE_MANAGED_IDENTITY=true")
  }
  if (chosen[0] === "USE_MANAGED_IDENTITY") {
    const id = raw.MANAGED_IDENTITY_CLIENT_ID?.trim()
    return Effect.succeed({ _tag: "ManagedIdentity", userAssignedClientId: blank(id) ? undefined : id })
  }
  if (clientId === undefined) return fail(["CLIENT_ID", chosen[0]!], `CLIENT_ID is required with ${chosen[0]}`)
  if (chosen[0] === "CLIENT_SECRET") {
    return Effect.succeed({ _tag: "ClientSecret", clientId, secret: raw.CLIENT_SECRET! })
  }
  return Effect.map(
    loadCertificate(raw.CLIENT_CERTIFICATE_PATH!.trim(), raw.CLIENT_CERTIFICATE_PASSWORD),
    (certificate) => ({ _tag: "Certificate", clientId, ...certificate })
  )
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/
const PEM_KEY = /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/

/** Reads a PEM holding the certificate and its private key; errors never echo the file's content. */
export const loadCertificate = Effect.fnUntraced(function*(
  path: string,
  password: Redacted.Redacted<string> | undefined
) {
  const variables = ["CLIENT_CERTIFICATE_PATH"]
  const pem = yield* Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: () => new MicrosoftConfigError({ variables, problem: `cannot read the file "${path}"` })
  })
  const certificatePem = PEM_CERTIFICATE.exec(pem)?.[0]
  const keyMatch = PEM_KEY.exec(pem)
  if (certificatePem === undefined || keyMatch === null) {
    return yield* new MicrosoftConfigError({
      variables,
      problem: "the PEM file must contain a CERTIFICATE block and its PRIVATE KEY block"
    })
  }
  const encrypted = keyMatch[1] === "ENCRYPTED "
  if (encrypted && blankSecret(password)) {
    return yield* new MicrosoftConfigError({
      variables: ["CLIENT_CERTIFICATE_PASSWORD"],
      problem: "the private key is encrypted: set CLIENT_CERTIFICATE_PASSWORD"
    })
  }
  const key = yield* Effect.try({
    try: () =>
      createPrivateKey({
        key: keyMatch[0],
        format: "pem",
        ...(encrypted ? { passphrase: Redacted.value(password!) } : {})
      }),
    catch: () =>
      new MicrosoftConfigError({
        variables: encrypted ? ["CLIENT_CERTIFICATE_PASSWORD"] : variables,
        problem: encrypted ? "cannot decrypt the private key (wrong password?)" : "the private key cannot be read"
      })
  })
  const certificate = yield* Effect.try({
    try: () => new X509Certificate(certificatePem),
    catch: () => new MicrosoftConfigError({ variables, problem: "the certificate cannot be read" })
  })
  if (!certificate.checkPrivateKey(key)) {
    return yield* new MicrosoftConfigError({ variables, problem: "the private key does not belong to the certificate" })
  }
  return {
    thumbprintSha256: certificate.fingerprint256.replaceAll(":", "").toLowerCase(),
    privateKey: Redacted.make(key.export({ format: "pem", type: "pkcs8" }).toString())
  }
})

const optional = <A>(config: Config.Config<A>) => Config.option(config).pipe(Config.map(Option.getOrUndefined))

/** Reads `CLIENT_SECRET`, `CLIENT_CERTIFICATE_PATH`, `CLIENT_CERTIFICATE_PASSWORD`, `USE_MANAGED_IDENTITY`, `MANAGED_IDENTITY_CLIENT_ID`. */
export const rawConfig: Config.Config<RawCredentials> = Config.all({
  CLIENT_SECRET: optional(Config.Redacted("CLIENT_SECRET")),
  CLIENT_CERTIFICATE_PATH: optional(Config.String("CLIENT_CERTIFICATE_PATH")),
  CLIENT_CERTIFICATE_PASSWORD: optional(Config.Redacted("CLIENT_CERTIFICATE_PASSWORD")),
  USE_MANAGED_IDENTITY: flag("USE_MANAGED_IDENTITY", false),
  MANAGED_IDENTITY_CLIENT_ID: optional(Config.String("MANAGED_IDENTITY_CLIENT_ID"))
})
