/**
 * Addresses of the sandbox's generated users (`user00001@<domain>` …, DemoDirectory.ts). Fresh users are
 * handed out once, so no measured request ever benefits from a validation cache warmed by another one.
 */
export const generatedUser = (n: number, domain: string): string => `user${String(n).padStart(5, "0")}@${domain}`

export class UserPool {
  private next: number
  private readonly last: number
  private readonly domain: string
  constructor(domain: string, first: number, last: number) {
    this.domain = domain
    this.next = first
    this.last = last
  }

  fresh(count: number): Array<string> {
    if (this.next + count - 1 > this.last) throw new Error(`user pool exhausted: need ${count} more after user ${this.next - 1} (last ${this.last})`)
    const out = Array.from({ length: count }, (_, i) => generatedUser(this.next + i, this.domain))
    this.next += count
    return out
  }

  get used(): number {
    return this.next
  }
}

/** A fixed range, for DLs that are set up directly on the wire (members that are never validated). */
export const range = (domain: string, first: number, count: number): Array<string> =>
  Array.from({ length: count }, (_, i) => generatedUser(first + i, domain))
