import { Config, ConfigProvider, Effect, Option, Predicate, Redacted, Result } from "effect"

/** A Redis server, from a `redis://` or `rediss://` URL. */
export interface RedisTarget {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  readonly database: number
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  /** The URL without its credentials: the only form that is logged. */
  readonly display: string
}

const shape = "expected redis://[user:password@]host[:port][/database] (rediss:// for TLS)"

/** Parses a Redis URL; error messages never repeat the value (it may hold a password). */
export const parseRedisUrl = (value: string): Result.Result<RedisTarget, string> => {
  const url = URL.parse(value.trim())
  if (url === null) return Result.fail(`not a URL; ${shape}`)
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return Result.fail(`unsupported scheme; ${shape}`)
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") return Result.fail(`no host; ${shape}`)
  const database = /^\/?$/.test(url.pathname) ? "0" : /^\/(\d{1,5})$/.exec(url.pathname)?.[1]
  if (database === undefined) return Result.fail(`the path must be a database number such as /0; ${shape}`)
  if (url.search !== "" || url.hash !== "") return Result.fail(`query and fragment are not supported; ${shape}`)
  let username: string | undefined
  let password: string | undefined
  try {
    username = url.username === "" ? undefined : decodeURIComponent(url.username)
    password = url.password === "" ? undefined : decodeURIComponent(url.password)
  } catch {
    return Result.fail(`the user or password is not valid percent-encoding; ${shape}`)
  }
  const port = url.port === "" ? 6379 : Number(url.port)
  return Result.succeed({
    host,
    port,
    tls: url.protocol === "rediss:",
    database: Number(database),
    username,
    password: password === undefined ? undefined : Redacted.make(password),
    display: `${url.protocol}//${url.hostname}:${port}/${database}`
  })
}

/**
 * A Redis URL from the variable `name`, or from `fallback` when `name` is not set: empty (the default)
 * is none; an invalid value stops start-up with a message that names the variable, never its value.
 */
export const config = (name: string, fallback?: string): Config.Config<Option.Option<RedisTarget>> => {
  const own = Config.option(Config.Redacted(name))
  const value = fallback === undefined
    ? own.pipe(Config.map(Option.map((value) => ({ name, value }))))
    : Config.all([own, Config.option(Config.Redacted(fallback))]).pipe(
      Config.map(([mine, theirs]) =>
        Option.isSome(mine) && Redacted.value(mine.value).trim() !== ""
          ? Option.some({ name, value: mine.value })
          : Option.map(theirs, (value) => ({ name: fallback, value }))
      )
    )
  return value.pipe(
    Config.mapEffect(Option.match({
      onNone: () => Effect.succeedNone,
      onSome: ({ name: from, value }) => {
        const raw = Redacted.value(value).trim()
        if (raw === "") return Effect.succeedNone
        return Result.match(parseRedisUrl(raw), {
          onSuccess: Effect.succeedSome,
          onFailure: (message) =>
            Effect.fail(new Config.ConfigError(new ConfigProvider.SourceError({ message: `${from}: ${message}` })))
        })
      }
    }))
  )
}

/** The message of a client failure, through wrappers (`RedisError`, node's `AggregateError` for several addresses). */
export const describeFailure = (error: unknown): string => {
  if (Predicate.isTagged(error, "RedisError") && "cause" in error) return describeFailure(error.cause)
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeFailure))].join("; ")
  }
  if (error instanceof Error) {
    const code = (error as { readonly code?: unknown }).code
    return error.message !== "" ? error.message : typeof code === "string" ? code : error.name
  }
  return String(error)
}

/** Replaces the target's password (as is and percent-encoded) in text that may be logged. */
export const scrubber = (target: RedisTarget): (text: string) => string => {
  const secrets = target.password === undefined
    ? []
    : [Redacted.value(target.password), encodeURIComponent(Redacted.value(target.password))]
  return (text) => secrets.reduce((out, secret) => out.split(secret).join("***"), text)
}
