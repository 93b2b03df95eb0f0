import { createHash, hash, randomBytes, timingSafeEqual } from "node:crypto"
import { Config, ConfigProvider, Console, Context, Effect, Layer, Option, Redacted, Result } from "effect"
import { type Caller, isRole, type Role } from "../../../domain/Access.ts"
import { apiKeyHeader } from "./Security.ts"

export interface ApiKeyEntry {
  readonly name: string
  readonly role: Role
  readonly key: Redacted.Redacted<string>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const KEY = /^[\x21-\x7e]{16,512}$/

/**
 * Parses `API_KEYS`: comma-separated `name:role:key` entries (the key may itself contain `:`).
 * Error messages name the entry by position (and by name once that is known), never the key.
 */
export const parseApiKeys = (value: string): Result.Result<ReadonlyArray<ApiKeyEntry>, string> => {
  const entries: Array<ApiKeyEntry> = []
  const parts = value.split(",").map((part) => part.trim()).filter((part) => part !== "")
  for (const [index, part] of parts.entries()) {
    const [name = "", role = "", ...rest] = part.split(":")
    const key = rest.join(":")
    const which = `entry ${index + 1}`
    if (rest.length === 0) return Result.fail(`${which} is not of the form name:role:key`)
    if (!NAME.test(name)) return Result.fail(`${which} has an invalid name (letters, digits, '.', '_', '-')`)
    const named = `${which} ('${name}')`
    if (!isRole(role)) return Result.fail(`${named} has an unknown role; use reader, writer or admin`)
    if (!KEY.test(key)) return Result.fail(`${named} needs a key of 16 to 512 printable characters`)
    if (entries.some((entry) => entry.name === name)) return Result.fail(`${named} repeats a name`)
    entries.push({ name, role, key: Redacted.make(key) })
  }
  return Result.succeed(entries)
}

// the one-shot `hash` (Node 21.7, Deno 2) takes half the time of a Hash object: it runs on every request
const digest = (value: string): Buffer =>
  typeof hash === "function" ? hash("sha256", value, "buffer") : createHash("sha256").update(value, "utf8").digest()

/** The API keys this service accepts in `X-API-Key`. */
export class ApiKeys extends Context.Service<ApiKeys, {
  readonly enabled: boolean
  /** The caller a presented key belongs to; compared in constant time against every configured key. */
  readonly authenticate: (presented: Redacted.Redacted<string>) => Option.Option<Caller>
}>()("distribution-list-api/adapters/http/auth/ApiKeys") {}

export const make = (entries: ReadonlyArray<ApiKeyEntry>): ApiKeys["Service"] => {
  const digests = entries.map((entry) => ({ entry, digest: digest(Redacted.value(entry.key)) }))
  return ApiKeys.of({
    enabled: entries.length > 0,
    authenticate: (presented) => {
      // Equal-length digests make timingSafeEqual applicable; every entry is compared, no early exit.
      const candidate = digest(Redacted.value(presented))
      let found: ApiKeyEntry | undefined
      for (const { entry, digest } of digests) {
        if (timingSafeEqual(candidate, digest) && found === undefined) found = entry
      }
      return found === undefined
        ? Option.none()
        : Option.some({ kind: "apiKey", name: found.name, role: found.role })
    }
  })
}

/** `API_KEYS`, validated; an invalid value stops startup with a message that names the variable. */
export const config: Config.Config<ReadonlyArray<ApiKeyEntry>> = Config.Redacted("API_KEYS").pipe(
  Config.withDefault(Redacted.make("")),
  Config.mapEffect((value) =>
    Result.match(parseApiKeys(Redacted.value(value)), {
      onSuccess: Effect.succeed,
      onFailure: (message) =>
        Effect.fail(new Config.ConfigError(new ConfigProvider.SourceError({ message: `API_KEYS: ${message}` })))
    })
  )
)

export const layer = (entries: ReadonlyArray<ApiKeyEntry>): Layer.Layer<ApiKeys> =>
  Layer.succeed(ApiKeys, make(entries))

export const layerConfig: Layer.Layer<ApiKeys, Config.ConfigError> = Layer.effect(ApiKeys, Effect.map(config, make))

/** A fresh random key: 32 bytes, base64url. */
export const generateKey: Effect.Effect<Redacted.Redacted<string>> = Effect.sync(() =>
  Redacted.make(randomBytes(32).toString("base64url"))
)

/**
 * For sandbox mode: `API_KEYS` when set, otherwise one generated admin key named `sandbox-admin`,
 * printed once to stdout (not to the log) with a ready-to-paste curl line against `baseUrl`.
 */
export const layerFromEnvOrGenerated = (options: { readonly baseUrl: string }): Layer.Layer<
  ApiKeys,
  Config.ConfigError
> =>
  Layer.effect(
    ApiKeys,
    Effect.gen(function*() {
      const entries = yield* config
      if (entries.length > 0) return make(entries)
      const key = yield* generateKey
      const base = options.baseUrl.replace(/\/+$/, "")
      // the sandbox's demo users live in CUSTOM_DOMAIN (its default as in sandbox/tenant/TenantModel.ts)
      const domain = yield* Config.String("CUSTOM_DOMAIN").pipe(Config.withDefault("contoso.example"))
      yield* Console.log(
        [
          "No API_KEYS set: generated an admin API key for this run (it is not logged and changes on restart).",
          "Create a list on the sandbox tenant, then read it:",
          `  curl -H "${apiKeyHeader}: ${Redacted.value(key)}" -H "Content-Type: application/json" ` +
          `-d '{"name":"Marketing Team","ownerEmails":["adele.vance@${domain}"],"memberEmails":["user00001@${domain}"]}' ${base}/api/dl`,
          `  curl -H "${apiKeyHeader}: ${Redacted.value(key)}" ${base}/api/dl/marketing-team`
        ].join("\n")
      )
      return make([{ name: "sandbox-admin", role: "admin", key }])
    })
  )
