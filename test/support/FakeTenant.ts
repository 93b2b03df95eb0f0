import { Clock, Context, Effect, Layer } from "effect"
import { type DirectoryUser, type DistributionList, userAddress } from "../../src/domain/DistributionList.ts"
import { normalizeEmail, sameEmail } from "../../src/domain/Email.ts"
import {
  GroupAlreadyExists,
  GroupAmbiguous,
  GroupNotFound,
  GroupStore,
  type GroupStoreError,
  type MemberOutcome,
  type MemberPage,
  PageCursorInvalid,
  RecipientNotFound,
  type Target
} from "../../src/application/ports/GroupStore.ts"
import { Failed, Forbidden, Transient, UpstreamError } from "../../src/application/ports/UpstreamError.ts"
import { UserDirectory } from "../../src/application/ports/UserDirectory.ts"

/** One call the fake received, with the (test) clock time it arrived at. */
export interface Call {
  readonly op: string
  readonly at: number
  readonly args: ReadonlyArray<unknown>
}

export type Op =
  | "findUsers"
  | "usersByIds"
  | "ownerIds"
  | "create"
  | "get"
  | "listMembers"
  | "listMembersPage"
  | "update"
  | "remove"
  | "addMembers"
  | "removeMembers"
  | "replaceMembers"

/** A scripted failure: `before` fails without effect; `after` applies the call, then loses the reply. */
export interface Fault {
  readonly error: GroupStoreError
  readonly when?: "before" | "after"
}

export interface StoredGroup {
  dl: DistributionList
  members: Array<string>
  /** Reads (get, listMembers) that still do not see the group: replication lag. */
  hiddenReads: number
  /** Primary addresses it had before a rename: Exchange keeps them as secondary addresses, which still reach it. */
  formerAddresses?: Array<string>
}

export const transient = (op = "op", retryAfterMillis?: number) =>
  new UpstreamError({
    operation: op,
    reason: new Transient({ throttled: false, status: 503, ...(retryAfterMillis === undefined ? {} : { retryAfterMillis }) })
  })
export const forbidden = (op = "op") => new UpstreamError({ operation: op, reason: new Forbidden({ hint: "no role" }) })
export const failed = (op = "op") => new UpstreamError({ operation: op, reason: new Failed({ detail: "boom" }) })

export const user = (local: string, domain = "contoso.example", extra: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id: `id-${local}`,
  userPrincipalName: `${local}@${domain}`,
  mail: `${local}@${domain}`,
  displayName: local,
  ...extra
})

/** An in-memory tenant behind both ports, with scripted faults and a call log, for application tests. */
export class FakeTenant extends Context.Service<FakeTenant, {
  readonly users: Array<DirectoryUser>
  readonly groups: Map<string, StoredGroup>
  readonly calls: Array<Call>
  /** Scripted failures per operation, consumed one per call. */
  readonly faults: Map<Op, Array<Fault>>
  /** Per-address rejections in member operations, consumed one per attempt. */
  readonly memberFaults: Map<string, Array<GroupStoreError>>
  /** Addresses Graph knows but Exchange does not (yet): how many more Exchange lookups miss them. */
  readonly unseenByExchange: Map<string, number>
  /** How many reads a newly created group stays invisible for. */
  replicationReads: number
  /** Random transient faults (503 or 429 with Retry-After, half of them after the call took effect). */
  chaos: { readonly rate: number; seed: number } | undefined
  /**
   * Legacy Exchange Names by object id (owners older than Exchange's naming change): `get` and `create`
   * show these owners by name, as ManagedBy does, until `ownerIds` reads them as ids.
   */
  readonly legacyNames: Map<string, string>
  /** Further SMTP addresses of users (Graph `proxyAddresses`), each to its user's id. */
  readonly proxyAddresses: Map<string, string>
}>()("test/support/FakeTenant") {}

export const callsOf = (tenant: FakeTenant["Service"], op: Op) => tenant.calls.filter((call) => call.op === op)

export const failNext = (tenant: FakeTenant["Service"], op: Op, ...faults: ReadonlyArray<Fault | GroupStoreError>) => {
  const list = tenant.faults.get(op) ?? []
  list.push(...faults.map((fault) => ("error" in fault ? fault : { error: fault })))
  tenant.faults.set(op, list)
}

let nextId = 0

export const seedGroup = (
  tenant: FakeTenant["Service"],
  init: Partial<DistributionList> & { readonly alias: string; readonly members?: ReadonlyArray<string> }
): DistributionList => {
  const { members = [], ...rest } = init
  const dl: DistributionList = {
    identity: `guid-${++nextId}`,
    name: init.alias,
    displayName: init.alias,
    primarySmtpAddress: `${init.alias}@contoso.example`,
    ownerIds: [],
    requireSenderAuthenticationEnabled: true,
    ...rest
  }
  tenant.groups.set(dl.identity, { dl, members: [...members], hiddenReads: 0 })
  return dl
}

const make = (users: ReadonlyArray<DirectoryUser>) =>
  Effect.gen(function*() {
    const tenant: FakeTenant["Service"] = {
      users: [...users],
      groups: new Map(),
      calls: [],
      faults: new Map(),
      memberFaults: new Map(),
      unseenByExchange: new Map(),
      replicationReads: 0,
      chaos: undefined,
      legacyNames: new Map(),
      proxyAddresses: new Map()
    }

    // owners as ManagedBy shows them; stored as ids
    const shown = (dl: DistributionList): DistributionList =>
      tenant.legacyNames.size === 0 ? dl : { ...dl, ownerIds: dl.ownerIds.map((id) => tenant.legacyNames.get(id) ?? id) }
    const idOfName = (name: string): string | undefined =>
      [...tenant.legacyNames].find(([, legacy]) => legacy.toLowerCase() === name.toLowerCase())?.[0]

    // A small deterministic generator (mulberry32), so that a chaos run is reproducible from its seed.
    const random = (chaos: { seed: number }) => {
      chaos.seed = (chaos.seed + 0x6D2B79F5) | 0
      let t = chaos.seed
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    const chaosFault = (op: Op): Fault | undefined => {
      const chaos = tenant.chaos
      if (chaos === undefined || random(chaos) >= chaos.rate) return undefined
      const throttled = random(chaos) < 0.5
      return {
        error: transient(op, throttled ? 1000 : undefined),
        when: random(chaos) < 0.5 ? "after" : "before"
      }
    }

    const record = (op: Op, ...args: ReadonlyArray<unknown>) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.sync(() => {
          tenant.calls.push({ op, at, args })
          return tenant.faults.get(op)?.shift() ?? chaosFault(op)
        }))

    /** Runs `body` as the store would, with the scripted fault of this call, if any. */
    const call = <A, E>(op: Op, args: ReadonlyArray<unknown>, body: () => Effect.Effect<A, E>) =>
      Effect.flatMap(record(op, ...args), (fault): Effect.Effect<A, E | GroupStoreError> => {
        if (fault === undefined) return Effect.suspend(body)
        if (fault.when === "after") return Effect.flatMap(Effect.suspend(body), () => Effect.fail(fault.error))
        return Effect.fail(fault.error)
      })

    let index = new Map<string, DirectoryUser>()
    let indexed = -1
    const userBy = (address: string): DirectoryUser | undefined => {
      if (indexed !== tenant.users.length) {
        index = new Map(tenant.users.flatMap((u) => [
          [normalizeEmail(u.userPrincipalName), u] as const,
          ...(u.mail === null ? [] : [[normalizeEmail(u.mail), u] as const])
        ]))
        indexed = tenant.users.length
      }
      const proxyOwner = tenant.proxyAddresses.get(normalizeEmail(address))
      return index.get(normalizeEmail(address)) ?? tenant.users.find((user) => user.id === proxyOwner)
    }

    /** Exchange's view of a recipient: a directory user with a mailbox that it already sees. */
    const recipient = (address: string): DirectoryUser | undefined => {
      const key = normalizeEmail(address)
      const unseen = tenant.unseenByExchange.get(key) ?? 0
      if (unseen > 0) {
        tenant.unseenByExchange.set(key, unseen - 1)
        return undefined
      }
      const found = userBy(address)
      return found?.mail === null ? undefined : found
    }

    // as Exchange: an identity two groups answer to (one's name, the other's alias) names neither
    const find = (identity: string): StoredGroup | "ambiguous" | undefined => {
      const byId = tenant.groups.get(identity)
      if (byId !== undefined) return byId
      const named = [...tenant.groups.values()].filter(({ dl }) =>
        [dl.alias, dl.name, dl.primarySmtpAddress].some((key) => sameEmail(key, identity))
      )
      if (named.length > 1) return "ambiguous"
      return named[0] ?? [...tenant.groups.values()].find(({ formerAddresses }) =>
        (formerAddresses ?? []).some((key) => sameEmail(key, identity))
      )
    }

    const visible = (target: Target) =>
      Effect.suspend((): Effect.Effect<StoredGroup, GroupNotFound | GroupAmbiguous> => {
        const group = find(target.identity)
        if (group === undefined) return Effect.fail(new GroupNotFound({ identity: target.identity }))
        if (group === "ambiguous") return Effect.fail(new GroupAmbiguous({ identity: target.identity }))
        if (group.hiddenReads > 0) {
          group.hiddenReads--
          return Effect.fail(new GroupNotFound({ identity: target.identity }))
        }
        return Effect.succeed(group)
      })

    const existing = (target: Target) =>
      Effect.suspend((): Effect.Effect<StoredGroup, GroupNotFound | GroupAmbiguous> => {
        const group = find(target.identity)
        return group === undefined
          ? Effect.fail(new GroupNotFound({ identity: target.identity }))
          : group === "ambiguous"
          ? Effect.fail(new GroupAmbiguous({ identity: target.identity }))
          : Effect.succeed(group)
      })

    // as Exchange: a name clashes with another's name, an address with another's address; aliases need not
    // be unique (docs/sandbox.md), and one group's alias may be another's name
    const conflict = (
      self: string | undefined,
      wanted: { readonly name?: string | undefined; readonly primarySmtpAddress?: string | undefined }
    ) =>
      [...tenant.groups.values()].find(({ dl, formerAddresses }) =>
        dl.identity !== self &&
        ((["name", "primarySmtpAddress"] as const).some((field) =>
          wanted[field] !== undefined && sameEmail(dl[field], wanted[field])
        ) ||
          (formerAddresses ?? []).some((address) =>
            wanted.primarySmtpAddress !== undefined && sameEmail(address, wanted.primarySmtpAddress)
          ))
      )

    const memberFault = (address: string): GroupStoreError | undefined => {
      const scripted = tenant.memberFaults.get(normalizeEmail(address))?.shift()
      if (scripted !== undefined || tenant.chaos === undefined) return scripted
      return random(tenant.chaos) < tenant.chaos.rate ? transient("member", 1000) : undefined
    }

    const directory = UserDirectory.of({
      findUsers: (addresses) =>
        call("findUsers", [addresses], () =>
          Effect.succeed(
            new Map(addresses.flatMap((address) => {
              const found = userBy(address)
              return found === undefined ? [] : [[address.toLowerCase(), found] as const]
            }))
          )) as Effect.Effect<ReadonlyMap<string, DirectoryUser>, UpstreamError>,
      usersByIds: (ids) =>
        call("usersByIds", [ids], () =>
          Effect.succeed(
            new Map(ids.flatMap((id) => {
              const found = tenant.users.find((u) => u.id === id)
              return found === undefined ? [] : [[id, found] as const]
            }))
          )) as Effect.Effect<ReadonlyMap<string, DirectoryUser>, UpstreamError>
    })

    const store = GroupStore.of({
      ownerIds: (dl) =>
        call("ownerIds", [dl], () => Effect.succeed(dl.ownerIds.map((name) => idOfName(name) ?? name))) as Effect.Effect<
          ReadonlyArray<string>,
          GroupStoreError
        >,
      create: (group) =>
        call("create", [group], (): Effect.Effect<DistributionList, GroupStoreError> => {
          const clash = conflict(undefined, group)
          if (clash !== undefined) {
            return Effect.fail(new GroupAlreadyExists({ identity: group.alias, detail: `in use by ${clash.dl.alias}` }))
          }
          const owners: Array<DirectoryUser> = []
          for (const [index, address] of [...group.managedBy, ...group.members].entries()) {
            const found = recipient(address)
            if (found === undefined) return Effect.fail(new RecipientNotFound({ address }))
            if (index < group.managedBy.length) owners.push(found)
          }
          const dl: DistributionList = {
            identity: `guid-${++nextId}`,
            name: group.name,
            alias: group.alias,
            displayName: group.displayName,
            primarySmtpAddress: group.primarySmtpAddress,
            ownerIds: owners.map((o) => o.id),
            requireSenderAuthenticationEnabled: group.requireSenderAuthenticationEnabled
          }
          tenant.groups.set(dl.identity, {
            dl,
            members: group.members.map((address) => userAddress(userBy(address)!)),
            hiddenReads: tenant.replicationReads
          })
          return Effect.succeed(shown(dl))
        }),
      get: (target) => call("get", [target], () => Effect.map(visible(target), (group) => shown(group.dl))),
      // one page: the whole list
      listMembers: (target, retryPage = (page) => page) =>
        retryPage(call("listMembers", [target], () => Effect.map(visible(target), (g) => [...g.members]))),
      listMembersPage: (target, page) =>
        call("listMembersPage", [target, page], (): Effect.Effect<MemberPage, GroupStoreError | PageCursorInvalid> => {
          const offset = page.cursor === undefined ? 0 : /^\d+$/.test(page.cursor) ? Number(page.cursor) : undefined
          if (offset === undefined) return Effect.fail(new PageCursorInvalid({ reason: "Unrecognized" }))
          return Effect.map(visible(target), (g) => {
            const end = offset + page.size
            return { members: g.members.slice(offset, end), next: end < g.members.length ? String(end) : undefined }
          })
        }),
      update: (target, changes) =>
        call("update", [target, changes], () =>
          Effect.flatMap(existing(target), (group): Effect.Effect<void, GroupStoreError> => {
            const clash = conflict(group.dl.identity, changes)
            if (clash !== undefined) {
              return Effect.fail(new GroupAlreadyExists({ identity: changes.alias ?? "", detail: "in use" }))
            }
            const add: Array<string> = []
            for (const address of changes.managedBy?.add ?? []) {
              const found = recipient(address)
              if (found === undefined) return Effect.fail(new RecipientNotFound({ address }))
              add.push(found.id)
            }
            const remove = (changes.managedBy?.remove ?? []).map((key) => userBy(key)?.id ?? idOfName(key) ?? key)
            const { managedBy: _, ...props } = changes
            if (changes.primarySmtpAddress !== undefined && !sameEmail(changes.primarySmtpAddress, group.dl.primarySmtpAddress)) {
              group.formerAddresses = [...(group.formerAddresses ?? []), group.dl.primarySmtpAddress]
            }
            group.dl = {
              ...group.dl,
              ...props,
              ownerIds: [...group.dl.ownerIds.filter((id) => !remove.includes(id)), ...add.filter((id) =>
                !group.dl.ownerIds.includes(id)
              )]
            }
            return Effect.void
          })),
      remove: (target) =>
        call("remove", [target], () =>
          Effect.map(existing(target), (group) => {
            tenant.groups.delete(group.dl.identity)
          })),
      addMembers: (target, addresses) =>
        call("addMembers", [target, addresses], () =>
          Effect.map(existing(target), (group) =>
            addresses.map((address): MemberOutcome => {
              const error = memberFault(address)
              if (error !== undefined) return { address, _tag: "Rejected", error }
              const found = recipient(address)
              if (found === undefined) return { address, _tag: "Rejected", error: new RecipientNotFound({ address }) }
              if (group.members.some((m) => sameEmail(m, userAddress(found)))) return { address, _tag: "Unchanged" }
              group.members.push(userAddress(found))
              return { address, _tag: "Applied" }
            }))),
      removeMembers: (target, addresses) =>
        call("removeMembers", [target, addresses], () =>
          Effect.map(existing(target), (group) =>
            addresses.map((address): MemberOutcome => {
              const error = memberFault(address)
              if (error !== undefined) return { address, _tag: "Rejected", error }
              const found = recipient(address)
              if (found === undefined) return { address, _tag: "Rejected", error: new RecipientNotFound({ address }) }
              const before = group.members.length
              group.members = group.members.filter((m) => !sameEmail(m, userAddress(found)))
              return { address, _tag: group.members.length < before ? "Applied" : "Unchanged" }
            }))),
      // All or nothing, like Exchange's Update-DistributionGroupMember: the first recipient it does not see fails it.
      replaceMembers: (target, addresses) =>
        call("replaceMembers", [target, addresses], () =>
          Effect.flatMap(existing(target), (group): Effect.Effect<void, GroupStoreError> => {
            const next: Array<string> = []
            for (const address of addresses) {
              const found = recipient(address)
              if (found === undefined) return Effect.fail(new RecipientNotFound({ address }))
              next.push(userAddress(found))
            }
            group.members = next
            return Effect.void
          }))
    })

    return Context.make(FakeTenant, tenant).pipe(
      Context.add(UserDirectory, directory),
      Context.add(GroupStore, store)
    )
  })

/** Both ports over one fresh fake tenant holding `users`, plus the tenant itself for seeding and assertions. */
export const layer = (users: ReadonlyArray<DirectoryUser>): Layer.Layer<FakeTenant | UserDirectory | GroupStore> =>
  Layer.effectContext(make(users))
