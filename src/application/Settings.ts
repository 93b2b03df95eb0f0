import { Config, Context, Layer, Option, Schema, SchemaTransformation } from "effect"
import { isEmail } from "../domain/Email.ts"

/** A retry policy: `attempts` in total (first try included), delays `base`, `2·base`, … capped at `cap`. */
export interface RetryPolicy {
  readonly attempts: number
  readonly baseMillis: number
  readonly capMillis: number
}

export interface SettingsShape {
  /** Domain of every DL's primary address (`CUSTOM_DOMAIN`). */
  readonly customDomain: string
  /** Stable anchor for Exchange routing (`ADMIN_ANCHOR_MAILBOX`), if any. */
  readonly adminAnchorMailbox: string | undefined
  /** Owners are also members (`OWNERS_AS_MEMBERS`). */
  readonly ownersAsMembers: boolean
  /** How long a found user stays cached, in seconds; 0 disables the cache (`VALIDATION_CACHE_TTL_S`). */
  readonly validationCacheTtlSeconds: number
  /** At most this many users are cached; the least recently used go first (`VALIDATION_CACHE_CAPACITY`). */
  readonly validationCacheCapacity: number
  /** Log hits, misses, expiries and evictions of the user cache (`LOG_CACHE_STATS`). */
  readonly logCacheStats: boolean
  /** Read-after-create verification (`VERIFY_ATTEMPTS`): 5 s doubling, capped at 30 s. */
  readonly verify: RetryPolicy
  /** Per-member adds and removes (`MEMBER_RETRY_ATTEMPTS`): 2 s doubling, capped at 20 s. */
  readonly member: RetryPolicy
  /**
   * Every other upstream call, on transient failures only (`UPSTREAM_RETRY_ATTEMPTS`): 500 ms doubling, capped
   * at 8 s. With 8 attempts, a call still failing under 20% injected faults is a one-in-400,000 event.
   */
  readonly upstream: RetryPolicy
  /** An upstream `Retry-After` longer than this (`RETRY_AFTER_MAX_S`) is not waited for: the call fails as transient. */
  readonly retryAfterMaxMillis: number
}

/** The service's settings for the use cases, read from the environment. */
export class Settings extends Context.Service<Settings, SettingsShape>()(
  "distribution-list-api/application/Settings"
) {}

export const defaults: SettingsShape = {
  customDomain: "contoso.example",
  adminAnchorMailbox: undefined,
  ownersAsMembers: true,
  validationCacheTtlSeconds: 900,
  validationCacheCapacity: 10_000,
  logCacheStats: false,
  verify: { attempts: 6, baseMillis: 5_000, capMillis: 30_000 },
  member: { attempts: 5, baseMillis: 2_000, capMillis: 20_000 },
  upstream: { attempts: 8, baseMillis: 500, capMillis: 8_000 },
  retryAfterMaxMillis: 60_000
}

// What Pydantic takes for a bool (the seed's settings), in any case: `True`, `t`, `y`, `on`, `1` …;
// Config.Boolean alone is case-sensitive and refuses `t`, `y`, `f`, `n`.
const TRUE = ["true", "t", "yes", "y", "on", "1"] as const
const FALSE = ["false", "f", "no", "n", "off", "0"] as const

/**
 * A value as Pydantic's (lax) `bool` reads it: a boolean, `0`/`1` (also `0.0`/`1.0`), or one of the words
 * above in any case; undefined for anything else (Pydantic: `bool_parsing` for other strings and numbers).
 */
export const pydanticBool = (value: unknown): boolean | undefined => {
  if (typeof value === "boolean") return value
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined
  if (typeof value !== "string") return undefined
  const word = value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) // ASCII only, as Pydantic compares
  return (TRUE as ReadonlyArray<string>).includes(word) ? true : (FALSE as ReadonlyArray<string>).includes(word) ? false : undefined
}
const Flag = Schema.String.pipe(
  Schema.decodeTo(Schema.String, SchemaTransformation.toLowerCase()),
  Schema.decodeTo(Schema.Literals([...TRUE, ...FALSE])),
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform({
      decode: (value) => (TRUE as ReadonlyArray<string>).includes(value),
      encode: (value): "true" | "false" => (value ? "true" : "false")
    })
  )
)

const Domain = Schema.Trim.check(
  Schema.isPattern(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/, {
    message: "Expected a domain name such as contoso.example"
  })
)

/** A boolean environment variable, read as Pydantic reads one. */
export const flag = (name: string, fallback: boolean) => Config.schema(Flag, name).pipe(Config.withDefault(fallback))

const atLeast = (name: string, minimum: number, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(minimum)), name).pipe(Config.withDefault(fallback))

// An anchor may carry the prefix Exchange's header uses (spec: exchange-admin-rest.md §1.4).
const Mailbox = Schema.Trim.check(
  Schema.makeFilter((value: string) =>
    value === "" || isEmail(value.replace(/^(?:UPN|SMTP):/i, "")) || "Expected an email address"
  )
)

const optionalMailbox = (name: string) =>
  Config.option(Config.schema(Mailbox, name)).pipe(
    Config.map((value) => Option.getOrUndefined(Option.filter(value, (address) => address !== "")))
  )

/** `CUSTOM_DOMAIN`, trimmed and in lower case. */
export const customDomainConfig: Config.Config<string> = Config.schema(Domain, "CUSTOM_DOMAIN").pipe(
  Config.map((value) => value.toLowerCase()),
  Config.withDefault(defaults.customDomain)
)

/** Reads every setting; an invalid value fails with a `ConfigError` naming its variable. */
export const SettingsConfig: Config.Config<SettingsShape> = Config.all({
  customDomain: customDomainConfig,
  adminAnchorMailbox: optionalMailbox("ADMIN_ANCHOR_MAILBOX"),
  ownersAsMembers: flag("OWNERS_AS_MEMBERS", defaults.ownersAsMembers),
  validationCacheTtlSeconds: atLeast("VALIDATION_CACHE_TTL_S", 0, defaults.validationCacheTtlSeconds),
  validationCacheCapacity: atLeast("VALIDATION_CACHE_CAPACITY", 1, defaults.validationCacheCapacity),
  logCacheStats: flag("LOG_CACHE_STATS", defaults.logCacheStats),
  verifyAttempts: atLeast("VERIFY_ATTEMPTS", 1, defaults.verify.attempts),
  memberAttempts: atLeast("MEMBER_RETRY_ATTEMPTS", 1, defaults.member.attempts),
  upstreamAttempts: atLeast("UPSTREAM_RETRY_ATTEMPTS", 1, defaults.upstream.attempts),
  retryAfterMaxSeconds: atLeast("RETRY_AFTER_MAX_S", 0, defaults.retryAfterMaxMillis / 1000)
}).pipe(
  Config.map(({ memberAttempts, retryAfterMaxSeconds, upstreamAttempts, verifyAttempts, ...rest }) => ({
    ...rest,
    verify: { ...defaults.verify, attempts: verifyAttempts },
    member: { ...defaults.member, attempts: memberAttempts },
    upstream: { ...defaults.upstream, attempts: upstreamAttempts },
    retryAfterMaxMillis: retryAfterMaxSeconds * 1000
  }))
)

/** Settings from the environment (through the current `ConfigProvider`). */
export const layer: Layer.Layer<Settings, Config.ConfigError> = Layer.effect(Settings, SettingsConfig)

/** Fixed settings, the defaults unless overridden: for tests. */
export const layerWith = (overrides: Partial<SettingsShape> = {}): Layer.Layer<Settings> =>
  Layer.succeed(Settings, { ...defaults, ...overrides })
