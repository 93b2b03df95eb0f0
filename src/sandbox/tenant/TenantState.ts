import { type DirectoryEntry, generatedUser, generatedNumber } from "./DemoDirectory.ts"
import { addressKey, type Group, guidFromString, type Recipient, smtpOf, type User } from "./Objects.ts"

/**
 * The tenant's mutable state with its indexes. Every method is synchronous, so a caller that
 * runs one method (or one batch of them) inside a single `Effect.sync` sees and leaves a
 * consistent state: JavaScript never interleaves another fiber inside synchronous code.
 * All lookups are O(1) map hits; group members are a Set of object ids.
 */
export class TenantState {
  /** Explicit users (demo, file, added at run time); generated ones live in `generated`, built on first use. */
  private readonly users = new Map<string, User>()
  private readonly generated: Array<User | undefined> = []
  private readonly userIdByAddress = new Map<string, string>()
  private readonly groups = new Map<string, Group>()
  private readonly groupGuidByExternalId = new Map<string, string>()
  private readonly groupGuidByAddress = new Map<string, string>()
  private readonly groupGuidByName = new Map<string, string>()
  private readonly groupGuidsByAlias = new Map<string, Set<string>>()
  private readonly userIdsByAlias = new Map<string, Set<string>>()
  private readonly userIdByName = new Map<string, string>()

  readonly domain: string
  /** How many generated users `user00001@domain ...` exist (materialized on first use). */
  readonly generatedUsers: number

  constructor(domain: string, generatedUsers: number) {
    this.domain = domain
    this.generatedUsers = generatedUsers
  }

  // ---- users ------------------------------------------------------------------------------

  /** Adds a user; fails (returns the clashing value) when its UPN, mail, a proxy or its legacy Name is taken. */
  addUser(entry: DirectoryEntry, now: number, exchangeDelayMillis = 0): User | { readonly clash: string } {
    const user = this.buildUser(entry, now, exchangeDelayMillis)
    const name = entry.exchangeName
    if (name !== undefined && (this.userByName(name) !== undefined || this.groupByName(name) !== undefined)) return { clash: name }
    for (const address of this.addressesOf(user)) {
      if (this.findUserByAddress(address) !== undefined || this.groupGuidByAddress.has(address)) {
        return { clash: address }
      }
    }
    this.indexUser(user)
    return user
  }

  userById(id: string): User | undefined {
    const key = id.toLowerCase()
    return this.users.get(key) ?? this.materialize(generatedNumber(key, this.domain))
  }

  /** By UPN, mail or any SMTP proxy address, case-insensitively (`smtp:` prefix allowed). */
  findUserByAddress(address: string): User | undefined {
    const key = addressKey(address)
    const id = this.userIdByAddress.get(key)
    if (id !== undefined) return this.users.get(id)
    return this.materialize(generatedNumber(key, this.domain))
  }

  /** Explicit users in insertion order, then the generated ones. */
  *allUsers(): Iterable<User> {
    yield* this.users.values()
    for (let n = 1; n <= this.generatedUsers; n++) yield this.materialize(n)!
  }

  /** `allUsers()` from `offset`, at most `limit`: generated users are indexed, so only explicit ones are walked. */
  usersSlice(offset: number, limit: number): Array<User> {
    const users: Array<User> = []
    if (offset < this.users.size) {
      let index = 0
      for (const user of this.users.values()) {
        if (users.length >= limit) return users
        if (index++ >= offset) users.push(user)
      }
    }
    const first = Math.max(1, offset - this.users.size + 1)
    for (let n = first; n <= this.generatedUsers && users.length < limit; n++) users.push(this.materialize(n)!)
    return users
  }

  userCount(): number {
    return this.users.size + this.generatedUsers
  }

  // ---- groups -----------------------------------------------------------------------------

  insertGroup(group: Group): void {
    this.groups.set(group.guid, group)
    this.groupGuidByExternalId.set(group.externalDirectoryObjectId, group.guid)
    this.groupGuidByName.set(group.name.toLowerCase(), group.guid)
    addToIndex(this.groupGuidsByAlias, group.alias.toLowerCase(), group.guid)
    for (const proxy of group.emailAddresses) {
      const smtp = smtpOf(proxy)
      if (smtp !== undefined) this.groupGuidByAddress.set(smtp.toLowerCase(), group.guid)
    }
  }

  deleteGroup(group: Group): void {
    this.groups.delete(group.guid)
    this.groupGuidByExternalId.delete(group.externalDirectoryObjectId)
    this.groupGuidByName.delete(group.name.toLowerCase())
    removeFromIndex(this.groupGuidsByAlias, group.alias.toLowerCase(), group.guid)
    this.deleteGroupAddressIndex(group)
    for (const other of this.groups.values()) other.members.delete(group.externalDirectoryObjectId)
  }

  renameGroup(group: Group, name: string): void {
    this.groupGuidByName.delete(group.name.toLowerCase())
    group.name = name
    this.groupGuidByName.set(name.toLowerCase(), group.guid)
  }

  realiasGroup(group: Group, alias: string): void {
    removeFromIndex(this.groupGuidsByAlias, group.alias.toLowerCase(), group.guid)
    group.alias = alias
    addToIndex(this.groupGuidsByAlias, alias.toLowerCase(), group.guid)
  }

  groupByName(name: string): Group | undefined {
    const guid = this.groupGuidByName.get(name.toLowerCase())
    return guid === undefined ? undefined : this.groups.get(guid)
  }

  groupsByAlias(alias: string): ReadonlyArray<Group> {
    return [...(this.groupGuidsByAlias.get(alias.toLowerCase()) ?? [])].flatMap((guid) => this.groups.get(guid) ?? [])
  }

  /** By Exchange `Name` (a legacy one; a Name that is the object id is found by `userById`). */
  userByName(name: string): User | undefined {
    const id = this.userIdByName.get(name.toLowerCase())
    return id === undefined ? undefined : this.users.get(id)
  }

  usersByAlias(alias: string): ReadonlyArray<User> {
    const key = alias.toLowerCase()
    const found = [...(this.userIdsByAlias.get(key) ?? [])].flatMap((id) => this.users.get(id) ?? [])
    if (found.length > 0) return found
    const generated = /^user\d{5}$/.test(key) ? this.materialize(Number(key.slice(4))) : undefined
    return generated === undefined ? [] : [generated]
  }

  /** Replaces a group's proxy addresses and keeps the address index in step. */
  setGroupAddresses(group: Group, emailAddresses: Array<string>): void {
    this.deleteGroupAddressIndex(group)
    group.emailAddresses = emailAddresses
    const primary = emailAddresses.find((proxy) => proxy.startsWith("SMTP:"))
    if (primary !== undefined) group.primarySmtpAddress = primary.slice(5)
    this.insertGroup(group)
  }

  groupByGuid(guid: string): Group | undefined {
    return this.groups.get(guid.toLowerCase())
  }

  groupByExternalId(id: string): Group | undefined {
    const guid = this.groupGuidByExternalId.get(id.toLowerCase())
    return guid === undefined ? undefined : this.groups.get(guid)
  }

  groupByAddress(address: string): Group | undefined {
    const guid = this.groupGuidByAddress.get(addressKey(address))
    return guid === undefined ? undefined : this.groups.get(guid)
  }

  allGroups(): Iterable<Group> {
    return this.groups.values()
  }

  /** Who holds an SMTP address, user or group (for proxy-address-in-use checks). */
  addressHolder(address: string): Recipient | undefined {
    const group = this.groupByAddress(address)
    if (group !== undefined) return { _tag: "Group", group }
    const user = this.findUserByAddress(address)
    return user === undefined ? undefined : { _tag: "User", user }
  }

  /** A user or group by Entra object id. */
  directoryObject(id: string): Recipient | undefined {
    const user = this.userById(id)
    if (user !== undefined) return { _tag: "User", user }
    const group = this.groupByExternalId(id)
    return group === undefined ? undefined : { _tag: "Group", group }
  }

  // ---- internals --------------------------------------------------------------------------

  private deleteGroupAddressIndex(group: Group): void {
    for (const proxy of group.emailAddresses) {
      const smtp = smtpOf(proxy)
      if (smtp !== undefined && this.groupGuidByAddress.get(smtp.toLowerCase()) === group.guid) {
        this.groupGuidByAddress.delete(smtp.toLowerCase())
      }
    }
  }

  /** A generated user by number, built once and kept in an array (no index entries: lookups compute). */
  private materialize(n: number | undefined): User | undefined {
    if (n === undefined || n < 1 || n > this.generatedUsers) return undefined
    return this.generated[n] ??= generatedUser(n, this.domain)
  }

  private buildUser(entry: DirectoryEntry, now: number, exchangeDelayMillis: number): User {
    const mail = entry.mail
    const extra = (entry.extraAddresses ?? []).filter((a) => a.toLowerCase() !== mail?.toLowerCase())
    const alias = (mail ?? entry.userPrincipalName).split("@")[0]!.replace(/[^A-Za-z0-9!#%*+\-/=?^_~.]/g, "")
    const id = guidFromString(`user:${entry.userPrincipalName.toLowerCase()}`)
    return {
      id,
      exchangeGuid: guidFromString(`mailbox:${id}`),
      userPrincipalName: entry.userPrincipalName,
      mail,
      displayName: entry.displayName,
      alias,
      exchangeName: entry.exchangeName ?? id,
      proxyAddresses: mail === null ? [] : [`SMTP:${mail}`, ...extra.map((a) => `smtp:${a}`)],
      createdAt: now,
      exchangeVisibleAt: now + exchangeDelayMillis
    }
  }

  private addressesOf(user: User): Array<string> {
    const addresses = new Set([user.userPrincipalName.toLowerCase()])
    if (user.mail !== null) addresses.add(user.mail.toLowerCase())
    for (const proxy of user.proxyAddresses) {
      const smtp = smtpOf(proxy)
      if (smtp !== undefined) addresses.add(smtp.toLowerCase())
    }
    return [...addresses]
  }

  private indexUser(user: User): void {
    this.users.set(user.id, user)
    addToIndex(this.userIdsByAlias, user.alias.toLowerCase(), user.id)
    if (user.exchangeName !== user.id) this.userIdByName.set(user.exchangeName.toLowerCase(), user.id)
    for (const address of this.addressesOf(user)) this.userIdByAddress.set(address, user.id)
  }
}

const addToIndex = (index: Map<string, Set<string>>, key: string, value: string): void => {
  const set = index.get(key)
  if (set === undefined) index.set(key, new Set([value]))
  else set.add(value)
}

const removeFromIndex = (index: Map<string, Set<string>>, key: string, value: string): void => {
  const set = index.get(key)
  if (set === undefined) return
  set.delete(value)
  if (set.size === 0) index.delete(key)
}
