import { diffMembers, uniqueAddresses, withOwners } from "./Diff.ts"
import { memberPolicy, retrying, verifyPolicy } from "./Retry.ts"
import { EXCHANGE_SCOPE, GRAPH_SCOPE, MemberAbsent, MemberAlreadyPresent, type SeedClient, UpstreamFailed, UpstreamNotFound, UpstreamTransient } from "./SeedClient.ts"

/**
 * The seed's DLService, step for step as its README documents it (the baseline of the benchmark):
 * every user validated by its own Graph lookup (TTL cache), New-DistributionGroup with the owners only,
 * a verification Get with 6 attempts (5–30 s), then one Add-DistributionGroupMember per member, each
 * retried 5 times (2–20 s) on not-found and transient errors; sync = read members, diff, one call per change.
 */
export interface SeedConfig {
  readonly customDomain: string
  readonly ownersAsMembers: boolean
  readonly cacheTtlMs: number
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => number
}

export interface SeedOutcome<B> {
  readonly status: number
  readonly body: B
}

export interface CreateBody {
  readonly dlId?: string
  readonly primaryEmail?: string
  readonly status?: string
  readonly failedMembers?: ReadonlyArray<string>
  readonly error?: string
}

const isRetryableMemberError = (e: unknown) => e instanceof UpstreamNotFound || e instanceof UpstreamTransient
const isTransient = (e: unknown) => e instanceof UpstreamTransient

export class SeedService {
  private readonly cache = new Map<string, number>()
  private readonly client: SeedClient
  private readonly config: SeedConfig
  constructor(client: SeedClient, config: SeedConfig) {
    this.client = client
    this.config = config
  }

  /** The seed's singleton MSAL client holds its tokens across requests: fetch them before measuring. */
  async warmTokens(): Promise<void> {
    await this.client.token(GRAPH_SCOPE)
    await this.client.token(EXCHANGE_SCOPE)
  }

  /** Validates users one Graph call at a time; returns the addresses that do not exist. */
  async validate(addresses: ReadonlyArray<string>): Promise<ReadonlyArray<string>> {
    const missing: Array<string> = []
    for (const address of uniqueAddresses(addresses)) {
      const key = address.toLowerCase()
      const expires = this.cache.get(key)
      if (this.config.cacheTtlMs > 0 && expires !== undefined && expires > this.config.now()) continue
      const exists = await retrying(memberPolicy, isTransient, () => this.client.userExists(address), this.config.sleep)
      if (exists) {
        if (this.config.cacheTtlMs > 0) this.cache.set(key, this.config.now() + this.config.cacheTtlMs)
      } else missing.push(address)
    }
    return missing
  }

  /** POST /api/dl */
  async create(name: string, owners: ReadonlyArray<string>, members: ReadonlyArray<string>, allowExternalSenders = false): Promise<SeedOutcome<CreateBody>> {
    const alias = name // benchmark names are already slugs: slugify(name) === name
    const primary = `${alias}@${this.config.customDomain}`
    const missing = await this.validate([...owners, ...members])
    if (missing.length > 0) return { status: 404, body: { error: `Users not found: ${missing.join(", ")}` } }
    const anchor = owners[0] ?? primary
    try {
      await retrying(memberPolicy, isTransient, () =>
        this.client.invoke("New-DistributionGroup", {
          Name: name,
          Alias: alias,
          DisplayName: name,
          PrimarySmtpAddress: primary,
          Type: "Distribution",
          ManagedBy: [...owners],
          RequireSenderAuthenticationEnabled: !allowExternalSenders,
          MemberJoinRestriction: "Closed",
          MemberDepartRestriction: "Closed",
          IgnoreNamingPolicy: true
        }, anchor), this.config.sleep)
    } catch (e) {
      if (e instanceof UpstreamFailed && /already|in use|exists/i.test(e.message)) return { status: 409, body: { error: "DL already exists" } }
      throw e
    }
    await retrying(verifyPolicy, (e) => e instanceof UpstreamNotFound, () => this.client.invoke("Get-DistributionGroup", { Identity: primary }, anchor), this.config.sleep)
    const failedMembers = await this.addEach(primary, withOwners(members, owners, this.config.ownersAsMembers), anchor)
    const status = failedMembers.length === 0 ? `DL '${alias}' created. All members added.` : `DL '${alias}' created. Some members failed.`
    return { status: 201, body: { dlId: alias, primaryEmail: primary, status, failedMembers } }
  }

  /** GET /api/dl/{id}: the group, its owners resolved through Graph, and every member page. */
  async get(identity: string): Promise<SeedOutcome<Record<string, unknown>>> {
    let group: Record<string, unknown> | undefined
    try {
      group = (await this.client.invoke("Get-DistributionGroup", { Identity: identity }, identity)).value[0]
    } catch (e) {
      if (e instanceof UpstreamNotFound) return { status: 404, body: { error: "Distribution List not found" } }
      throw e
    }
    if (group === undefined) return { status: 404, body: { error: "Distribution List not found" } }
    const primary = String(group.PrimarySmtpAddress ?? identity)
    const managedBy = Array.isArray(group.ManagedBy) ? (group.ManagedBy as Array<string>) : []
    const owners = await this.client.resolveUsers(managedBy)
    const members = await this.members(primary)
    return {
      status: 200,
      body: {
        dlId: group.Alias,
        name: group.Name,
        displayName: group.DisplayName,
        primaryEmail: primary,
        owners,
        members,
        allowExternalSenders: group.RequireSenderAuthenticationEnabled === false
      }
    }
  }

  /** PATCH /api/dl/{id} with `memberEmails`: a full synchronisation, one call per change. */
  async syncMembers(identity: string, memberEmails: ReadonlyArray<string>): Promise<SeedOutcome<Record<string, unknown>>> {
    const current = await this.get(identity)
    if (current.status !== 200) return current
    const primary = String(current.body.primaryEmail)
    const owners = current.body.owners as ReadonlyArray<string>
    const target = withOwners(memberEmails, owners, this.config.ownersAsMembers)
    const { toAdd, toRemove } = diffMembers(current.body.members as ReadonlyArray<string>, target)
    const missing = await this.validate(toAdd)
    if (missing.length > 0) return { status: 404, body: { error: `Users not found: ${missing.join(", ")}` } }
    const anchor = owners[0] ?? primary
    const failedAdds = await this.addEach(primary, toAdd, anchor)
    const failedRemoves = await this.removeEach(primary, toRemove, anchor)
    const failed = [...failedAdds, ...failedRemoves]
    return { status: 200, body: { message: `Distribution List '${identity}' updated successfully.`, failed } }
  }

  /** POST /api/dl/{id}/members */
  async addMembers(identity: string, memberEmails: ReadonlyArray<string>): Promise<SeedOutcome<Record<string, unknown>>> {
    const missing = await this.validate(memberEmails)
    if (missing.length > 0) return { status: 404, body: { error: `Users not found: ${missing.join(", ")}` } }
    let primary = identity
    try {
      const group = (await this.client.invoke("Get-DistributionGroup", { Identity: identity }, identity)).value[0]
      primary = String(group?.PrimarySmtpAddress ?? identity)
    } catch (e) {
      if (e instanceof UpstreamNotFound) return { status: 404, body: { error: "Distribution List not found" } }
      throw e
    }
    const failed = await this.addEach(primary, uniqueAddresses(memberEmails), primary)
    return { status: 200, body: { message: failed.length === 0 ? "All members added." : "Some members could not be added.", failed } }
  }

  async members(primary: string): Promise<ReadonlyArray<string>> {
    const res = await this.client.invoke("Get-DistributionGroupMember", { Identity: primary, ResultSize: "Unlimited" }, primary)
    return res.value.map((m) => String(m.PrimarySmtpAddress ?? m.WindowsLiveID ?? m.Identity ?? ""))
  }

  private async addEach(primary: string, members: ReadonlyArray<string>, anchor: string): Promise<ReadonlyArray<string>> {
    const failed: Array<string> = []
    for (const member of members) {
      try {
        await retrying(memberPolicy, isRetryableMemberError, () =>
          this.client.invoke("Add-DistributionGroupMember", { Identity: primary, Member: member, BypassSecurityGroupManagerCheck: true }, anchor), this.config.sleep)
      } catch (e) {
        if (!(e instanceof MemberAlreadyPresent)) failed.push(member)
      }
    }
    return failed
  }

  private async removeEach(primary: string, members: ReadonlyArray<string>, anchor: string): Promise<ReadonlyArray<string>> {
    const failed: Array<string> = []
    for (const member of members) {
      try {
        await retrying(memberPolicy, isRetryableMemberError, () =>
          this.client.invoke("Remove-DistributionGroupMember", { Identity: primary, Member: member, BypassSecurityGroupManagerCheck: true, Confirm: false }, anchor), this.config.sleep)
      } catch (e) {
        if (!(e instanceof MemberAbsent) && !(e instanceof UpstreamNotFound)) failed.push(member)
      }
    }
    return failed
  }
}
