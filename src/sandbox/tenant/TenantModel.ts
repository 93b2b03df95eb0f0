import { Clock, Config, Context, Effect, Layer, Option, Schema } from "effect"
import {
  DEFAULT_GENERATED_USERS,
  demoEntries,
  type DirectoryEntry,
  readUsersFile
} from "./DemoDirectory.ts"
import { type Group, isVisible, type Recipient, type User } from "./Objects.ts"
import { TenantState } from "./TenantState.ts"

export class UserAlreadyExists extends Schema.TaggedError<UserAlreadyExists>()("UserAlreadyExists", {
  address: Schema.String
}) {}

/** A distribution group as Microsoft Graph shows it (DLs are read-only there). */
export interface GraphGroupView {
  readonly id: string
  readonly displayName: string
  readonly mail: string
  readonly mailNickname: string
  readonly mailEnabled: true
  readonly securityEnabled: boolean
  readonly groupTypes: ReadonlyArray<string>
  readonly proxyAddresses: ReadonlyArray<string>
  readonly createdDateTime: string
  readonly description: null
}

export const graphGroupView = (group: Group): GraphGroupView => ({
  id: group.externalDirectoryObjectId,
  displayName: group.displayName,
  mail: group.primarySmtpAddress,
  mailNickname: group.alias,
  mailEnabled: true,
  securityEnabled: group.kind === "MailUniversalSecurityGroup",
  groupTypes: [],
  proxyAddresses: [...group.emailAddresses],
  createdDateTime: new Date(group.whenCreated).toISOString().replace(/\.\d{3}Z$/, "Z"),
  description: null
})

export interface TenantOptions {
  /** `CUSTOM_DOMAIN`; default `contoso.example`. */
  readonly domain?: string
  /** The directory; default: the demo directory under `domain`. */
  readonly users?: ReadonlyArray<DirectoryEntry>
  /** Generated bulk users `user00001@domain ...`; default 60,000 with the demo directory, 0 with `users`. */
  readonly generatedUsers?: number
}

/**
 * The sandbox tenant: one model behind every face (Graph reads what Exchange writes).
 *
 * Read API for the Graph face (all case-insensitive on addresses; groups are only returned once
 * visible, i.e. after the replication delay):
 * - `findUserByAddress(address)`: by UPN, mail or SMTP proxy address (`smtp:` prefix allowed).
 * - `findUsers(addresses)`: the same for many, keyed by lower-cased input.
 * - `userByIdOrUpn(value)`: Graph `GET /users/{id | userPrincipalName}`.
 * - `usersPage(offset, limit)`: every user in a stable order, plus the total (60,000+ with the demo directory).
 * - `directoryObjectsByIds(ids)`: users and groups by Entra object id (`/directoryObjects/getByIds`).
 * - `distributionGroups`: visible mail-enabled groups created through Exchange: DLs (Graph: mailEnabled
 *   true, securityEnabled false, groupTypes []) and, if ever created with `-Type Security`, mail-enabled
 *   security groups (securityEnabled true); use `graphGroupView` to shape them. `groupByObjectId(id)`, `groupsByMail(address)`.
 * - `groupMembers(objectId, offset, limit)`: one page of a visible group's members (users and nested
 *   groups, in order) and their total; only the page's members are resolved.
 * Writes: `addUser(entry, { exchangeDelayMillis })` (control face, tests); Exchange cmdlets use `transact`.
 */
export class TenantModel extends Context.Service<TenantModel, {
  readonly domain: string
  /** Runs `f` atomically on the state, with the current time (ms, from `Clock`). */
  readonly transact: <A>(f: (state: TenantState, now: number) => A) => Effect.Effect<A>
  readonly findUserByAddress: (address: string) => Effect.Effect<Option.Option<User>>
  readonly findUsers: (addresses: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, User>>
  readonly userByIdOrUpn: (value: string) => Effect.Effect<Option.Option<User>>
  readonly usersPage: (
    offset: number,
    limit: number
  ) => Effect.Effect<{ readonly users: ReadonlyArray<User>; readonly total: number }>
  readonly directoryObjectsByIds: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Recipient>>
  readonly distributionGroups: Effect.Effect<ReadonlyArray<Group>>
  readonly groupByObjectId: (id: string) => Effect.Effect<Option.Option<Group>>
  readonly groupsByMail: (address: string) => Effect.Effect<ReadonlyArray<Group>>
  readonly groupMembers: (
    objectId: string,
    offset: number,
    limit: number
  ) => Effect.Effect<Option.Option<{ readonly members: ReadonlyArray<Recipient>; readonly total: number }>>
  readonly addUser: (
    entry: DirectoryEntry,
    options?: { readonly exchangeDelayMillis?: number }
  ) => Effect.Effect<User, UserAlreadyExists>
}>()("distribution-list-api/sandbox/tenant/TenantModel") {
  static readonly make = (options: TenantOptions = {}) =>
    Effect.gen(function*() {
      const domain = (options.domain ?? "contoso.example").toLowerCase()
      const generated = options.generatedUsers ?? (options.users ? 0 : DEFAULT_GENERATED_USERS)
      const state = new TenantState(domain, generated)
      const start = yield* Clock.currentTimeMillis
      for (const entry of options.users ?? demoEntries(domain)) state.addUser(entry, start)
      return makeService(state)
    })

  /** From `CUSTOM_DOMAIN`, `SANDBOX_USERS_FILE` and `SANDBOX_GENERATED_USERS`. */
  static readonly layer = Layer.effect(
    TenantModel,
    Effect.gen(function*() {
      const config = yield* Config.all({
        domain: Config.String("CUSTOM_DOMAIN").pipe(Config.withDefault("contoso.example")),
        usersFile: Config.option(Config.String("SANDBOX_USERS_FILE")),
        generatedUsers: Config.option(Config.Int("SANDBOX_GENERATED_USERS"))
      })
      const users = Option.isSome(config.usersFile) && config.usersFile.value.trim() !== ""
        ? yield* readUsersFile(config.usersFile.value)
        : undefined
      return yield* TenantModel.make({
        domain: config.domain,
        ...(users ? { users } : {}),
        ...(Option.isSome(config.generatedUsers) ? { generatedUsers: config.generatedUsers.value } : {})
      })
    })
  )

  /** A fresh demo tenant without generated users, for tests. */
  static readonly layerTest = (options: TenantOptions = {}) =>
    Layer.effect(TenantModel, TenantModel.make({ generatedUsers: 0, ...options }))
}

const makeService = (state: TenantState): TenantModel["Service"] => {
  const transact = <A>(f: (state: TenantState, now: number) => A): Effect.Effect<A> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(state, now)))
  const visible = (group: Group | undefined, now: number) =>
    group !== undefined && isVisible(group, now) ? Option.some(group) : Option.none()

  return TenantModel.of({
    domain: state.domain,
    transact,
    findUserByAddress: (address) => transact((s) => Option.fromUndefinedOr(s.findUserByAddress(address))),
    findUsers: (addresses) =>
      transact((s) => {
        const found = new Map<string, User>()
        for (const address of addresses) {
          const user = s.findUserByAddress(address)
          if (user !== undefined) found.set(address.toLowerCase(), user)
        }
        return found
      }),
    userByIdOrUpn: (value) =>
      transact((s) => Option.fromUndefinedOr(s.userById(value) ?? (value.includes("@") ? upnMatch(s, value) : undefined))),
    usersPage: (offset, limit) => transact((s) => ({ users: s.usersSlice(offset, limit), total: s.userCount() })),
    directoryObjectsByIds: (ids) =>
      transact((s, now) =>
        ids.flatMap((id) => {
          const object = s.directoryObject(id)
          return object === undefined || (object._tag === "Group" && !isVisible(object.group, now)) ? [] : [object]
        })
      ),
    distributionGroups: transact((s, now) => [...s.allGroups()].filter((g) => isVisible(g, now))),
    groupByObjectId: (id) => transact((s, now) => visible(s.groupByExternalId(id), now)),
    groupsByMail: (address) =>
      transact((s, now) => {
        const group = s.groupByAddress(address)
        return group !== undefined && isVisible(group, now) && group.primarySmtpAddress.toLowerCase() === address.toLowerCase()
          ? [group]
          : []
      }),
    // Copying the ids is cheap (~0.5 ms for 50,000); resolving them all was ~55 ms per page.
    groupMembers: (objectId, offset, limit) =>
      transact((s, now) =>
        Option.map(visible(s.groupByExternalId(objectId), now), (group) => {
          const ids = [...group.members]
          const members = ids.slice(offset, offset + limit).flatMap((id) => {
            const member = s.directoryObject(id)
            return member === undefined ? [] : [member]
          })
          return { members, total: ids.length }
        })
      ),
    addUser: (entry, options) =>
      Effect.flatMap(
        transact((s, now) => s.addUser(entry, now, options?.exchangeDelayMillis ?? 0)),
        (result) => "clash" in result ? Effect.fail(new UserAlreadyExists({ address: result.clash })) : Effect.succeed(result)
      )
  })
}

/** Graph resolves `/users/{upn}` by userPrincipalName only (not mail or proxies). */
const upnMatch = (state: TenantState, upn: string): User | undefined => {
  const user = state.findUserByAddress(upn)
  return user !== undefined && user.userPrincipalName.toLowerCase() === upn.toLowerCase() ? user : undefined
}
