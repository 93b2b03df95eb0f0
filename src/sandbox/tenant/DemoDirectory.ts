import { Effect, Schema } from "effect"
import * as Fs from "node:fs/promises"
import type { User } from "./Objects.ts"

/**
 * The sandbox tenant's directory, before ids are assigned.
 *
 * Without `SANDBOX_USERS_FILE` the tenant holds the demo directory under `CUSTOM_DOMAIN`
 * (default `contoso.example`):
 * - 22 named mailbox users, `<first>.<last>@<domain>` (adele.vance, alex.wilber, ... see DEMO_PEOPLE),
 *   each with a second SMTP proxy address `<first><last initial>@<domain>` (e.g. `adelev@`),
 * - `admin@<domain>` (the service's usual owner / anchor) and `postmaster@<domain>` (seed anchor fallback),
 * - these 24 mailboxes are older than Exchange Online's naming change: their Exchange `Name` is a legacy
 *   name (`Adele Vance`, `admin`, `postmaster`); every other user's Name is its object id,
 * - `svc.reporting@<domain>`: a directory user WITHOUT a mailbox (Graph `mail` null): Exchange does not
 *   know it as a recipient, so using it as member or owner fails like a real non-mail-enabled user,
 * - `SANDBOX_GENERATED_USERS` (default 60,000) generated mailbox users `user00001@<domain>` ...
 *   `user60000@<domain>`, display name `Generated User 00001`, for bulk and performance runs; they
 *   are materialized lazily, so a fresh tenant costs nothing until they are used.
 *
 * With `SANDBOX_USERS_FILE` (JSON array of `{"userPrincipalName","displayName","mail"}`) the directory
 * is exactly that file's users (no generated users unless `SANDBOX_GENERATED_USERS` is set).
 */
export interface DirectoryEntry {
  readonly userPrincipalName: string
  readonly displayName: string
  readonly mail: string | null
  /** Extra SMTP addresses besides `mail` (bare addresses). */
  readonly extraAddresses?: ReadonlyArray<string>
  /** A legacy Exchange `Name` (a recipient older than the naming change); without it the Name is the object id. */
  readonly exchangeName?: string
}

export const DEMO_PEOPLE: ReadonlyArray<readonly [first: string, last: string]> = [
  ["Adele", "Vance"], ["Alex", "Wilber"], ["Allan", "Deyoung"], ["Christie", "Cline"],
  ["Debra", "Berger"], ["Diego", "Siciliani"], ["Emily", "Braun"], ["Enrico", "Cattaneo"],
  ["Grady", "Archie"], ["Henrietta", "Mueller"], ["Irvin", "Sayers"], ["Isaiah", "Langer"],
  ["Johanna", "Lorenz"], ["Joni", "Sherman"], ["Lee", "Gu"], ["Lidia", "Holloway"],
  ["Lynne", "Robbins"], ["Megan", "Bowen"], ["Miriam", "Graham"], ["Nestor", "Wilke"],
  ["Patti", "Fernandez"], ["Pradeep", "Gupta"]
]

export const DEFAULT_GENERATED_USERS = 60_000

export const demoEntries = (domain: string): ReadonlyArray<DirectoryEntry> => [
  ...DEMO_PEOPLE.map(([first, last]): DirectoryEntry => {
    const address = `${first}.${last}@${domain}`.toLowerCase()
    return {
      userPrincipalName: address,
      displayName: `${first} ${last}`,
      mail: address,
      extraAddresses: [`${first}${last[0]}@${domain}`.toLowerCase()],
      // mailboxes from before Exchange Online's naming change keep a legacy Name, often the display name
      exchangeName: `${first} ${last}`
    }
  }),
  { userPrincipalName: `admin@${domain}`, displayName: "Tenant Admin", mail: `admin@${domain}`, exchangeName: "admin" },
  { userPrincipalName: `postmaster@${domain}`, displayName: "Postmaster", mail: `postmaster@${domain}`, exchangeName: "postmaster" },
  { userPrincipalName: `svc.reporting@${domain}`, displayName: "Reporting Service", mail: null }
]

/** The generated users' addresses and ids are computed from their number, so they can be built on demand. */
export const generatedUpn = (n: number, domain: string): string => `user${String(n).padStart(5, "0")}@${domain}`

const GENERATED_ID_PREFIX = "6e6e6e6e-0000-4000-8000-"
const GENERATED_MAILBOX_PREFIX = "6e6e6e6f-0000-4000-8000-"

export const generatedId = (n: number): string => GENERATED_ID_PREFIX + n.toString(16).padStart(12, "0")

/** The number of a generated user from its id or address, if it is one (not bounds-checked). */
export const generatedNumber = (idOrAddress: string, domain: string): number | undefined => {
  const value = idOrAddress.toLowerCase()
  if (value.startsWith(GENERATED_ID_PREFIX)) {
    const n = parseInt(value.slice(GENERATED_ID_PREFIX.length), 16)
    return Number.isSafeInteger(n) && value.length === 36 ? n : undefined
  }
  const match = /^user(\d{5})@(.+)$/.exec(value)
  return match && match[2] === domain.toLowerCase() ? Number(match[1]) : undefined
}

/** A generated mailbox user, built directly (no hashing or indexing: 60,000 of them must stay cheap). */
export const generatedUser = (n: number, domain: string): User => {
  const number = String(n).padStart(5, "0")
  const upn = `user${number}@${domain}`
  return {
    id: generatedId(n),
    exchangeGuid: GENERATED_MAILBOX_PREFIX + n.toString(16).padStart(12, "0"),
    userPrincipalName: upn,
    mail: upn,
    displayName: `Generated User ${number}`,
    alias: `user${number}`,
    exchangeName: generatedId(n),
    proxyAddresses: [`SMTP:${upn}`],
    createdAt: 0,
    exchangeVisibleAt: 0
  }
}

const UsersFile = Schema.Array(Schema.Struct({
  userPrincipalName: Schema.String,
  displayName: Schema.String,
  mail: Schema.optionalKey(Schema.NullOr(Schema.String))
}))

export class UsersFileError extends Schema.TaggedError<UsersFileError>()("UsersFileError", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `SANDBOX_USERS_FILE ${this.path}: ${this.detail}`
  }
}

/** Reads `SANDBOX_USERS_FILE`. A missing `mail` means the user has no mailbox. */
export const readUsersFile = Effect.fn("DemoDirectory.readUsersFile")(function*(path: string) {
  const text = yield* Effect.tryPromise({
    try: () => Fs.readFile(path, "utf8"),
    catch: (cause) => new UsersFileError({ path, detail: `cannot read (${String(cause)})` })
  })
  const json = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => new UsersFileError({ path, detail: "not valid JSON" })
  })
  const users = yield* Schema.decodeUnknownEffect(UsersFile)(json).pipe(
    Effect.mapError((issue) => new UsersFileError({ path, detail: String(issue) }))
  )
  return users.map((user): DirectoryEntry => ({
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    mail: user.mail ?? null
  }))
})
