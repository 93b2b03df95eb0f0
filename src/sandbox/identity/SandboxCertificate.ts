/**
 * The certificate credential registered on the sandbox app, with its private key. A fixed,
 * self-signed test certificate (CN=distribution-list-api sandbox app, valid until 2126) that
 * exists only for the sandbox: never register it on a real app. msal-node takes
 * `{ thumbprintSha256, privateKey }` (spec: graph-and-identity.md §6.1).
 */
export const certificatePem = `
-----BEGIN CERTIFICATE-----
MIIDKDCCAhCgAwIBAgIBATANBgkqhkiG9w0BAQsFADAsMSowKAYDVQQDDCFkaXN0
cmlidXRpb24tbGlzdC1hcGkgc2FuZGJveCBhcHAwIBcNMjYxMTI0MDM0MTQxWhgP
MjEyNjEwMzEwMzQxNDFaMCwxKjAoBgNVBAMMIWRpc3RyaWJ1dGlvbi1saXN0LWFw
aSBzYW5kYm94IGFwcDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALlw
zL1ujEvCKNPlqv/I1i+JSeq8ses6Bqspq7WjSBirwrbzPpsyUQGuwXNOCksXx50s
py2L/cCMwpErqBT8wVJsG9iJT851idNKIuZPW7WBkb2GtBEF+xN3dzGu1ZpzaBfX
O/K/RVftzCcRO1TzZVMFAvJ7LYxPs+DR6I4gOGlB5XDql8Ch65msOClS//3Corxh
uDAQFeu1uU/QHP8FrHtxhSdHmLdq45PdFSgVxzg5lLtgTfhVDTexIICBHDPWiaCk
invIsYGypk9+LorH5c7mKpH3qWpoHGnht1oMKUKnnc4n/eFK5tyshPaHyBEAgFqm
DlJFHbSkaS0zmAoLcKUCAwEAAaNTMFEwHQYDVR0OBBYEFCBqDmZ5joruT6a2aLQE
z7LhtMWCMB8GA1UdIwQYMBaAFCBqDmZ5joruT6a2aLQEz7LhtMWCMA8GA1UdEwEB
/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAGXQxfBHf58oRCl2ToYkqLzgwlj6
jkCgfjOYaHkJTscciM+zXU1y7uojscmL4UEUtX+fIQPsuazEyMYEJ2S9tSiqwaUH
qP6+mWBAoNP9mSuIvEchO+Vh5wceTIdMH7Dt6HFb8uVvVtwkTsN0rftqQHn41+yI
Vj+jb4wRCG9iA+U4s8qwAsVZZ2EwrxMf8wVTDo8Fo5sMD7gjtzhO8ZR/qgFcae7W
OsBHeN+k/pxqi7/E28/8Mg0u1A5+8YTqk+pr3gFVYORtZz8gcB72FgW24qMQpn4x
7iAR1Z1PbKELQv6gj3Z4kjCuuCLvuTjjqNbNa1YyBGjXRetn3SAAIm9tABI=
-----END CERTIFICATE-----
`.trim()

export const privateKeyPem = `
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC5cMy9boxLwijT
5ar/yNYviUnqvLHrOgarKau1o0gYq8K28z6bMlEBrsFzTgpLF8edLKcti/3AjMKR
K6gU/MFSbBvYiU/OdYnTSiLmT1u1gZG9hrQRBfsTd3cxrtWac2gX1zvyv0VX7cwn
ETtU82VTBQLyey2MT7Pg0eiOIDhpQeVw6pfAoeuZrDgpUv/9wqK8YbgwEBXrtblP
0Bz/Bax7cYUnR5i3auOT3RUoFcc4OZS7YE34VQ03sSCAgRwz1omgpIp7yLGBsqZP
fi6Kx+XO5iqR96lqaBxp4bdaDClCp53OJ/3hSubcrIT2h8gRAIBapg5SRR20pGkt
M5gKC3ClAgMBAAECggEAARp5m459aq7BHdKWOFEuuu4Q2qVy3gjL7tK4Yle5unGy
44+4RxIN7AjBqztR1pc9+o7duwZN4EWMTNVf7+5+eMKUxEwyGS4hBLQHV9NohWgA
2YBGurWChEwZGzMTPSZ1CCUhcv7TDrCw93vtufNoqDTYFNZw3+dIbf4S/TZutuHr
oaTYA0VZ8vxh6EVrkrrLbjjweMP+WZseSVwalzNv44O+Q2HMfWPWMRtVvwWQ/W6C
yG7JF7RXNNHTT3s2UNE2f4yD7AQfIcb0GSLSAnIBIVHO7Xn47qSyxeyiDPMKPBQT
yW3scTI6OMIi0GtHRVRXb1DZXvkOqbh8+VR5FP+zqwKBgQDkSJBM/c5xuHvgdA7u
S/TTo7qXKiJHbN3fDiRXoaYd072HWEYbHYgIkx10yGQF3tngLtPkowy0rD3UsZ5B
5ko5Pp2kqosCqX8GpUOUNfpTydBhBzAyeUseoHnfGH+p3UWhcNVrqBkGYHEbPkL2
pgSaM5KvA/dR3YnmicfV6cCP7wKBgQDP9JvCy6BNpjD+U51mwtuqoB+kNXhsdsJP
WcetrtvmgMIZmfEwKiWV4gcz+QdRCuyuZmcaG7VHPrKcbdBgoj1n2BuYiN+1um1s
wS7rARfhFtM4Ux7Cj/7ZK7yL5j1FhfOCOwW/NtyQVDRsAa7KM51lJyrBqq/MsWiU
LfjU+v10qwKBgCK0MVOzBe5d2F8v5ZEudOKzsksGub1X/IbLVJUJ2wIPzXFE5yt6
GtMK4mB9kk8eKMse81F/xA+3W5L5CZEFHGWFclu1HXrjH494EkT2y75vIMGPYTFb
JSNbzAsxYz8Eh3Bagedi36MLiEZW+cEbTfnPO05l8PQ+FJe6fGm1pnN7AoGBAISb
Z8P00zkQtAdJzIJd2XPZfbPZwPvxUwEEsDcJ3QIEs0FeEBX1mlgUdSFoOIkuXTTs
6ewVJSjUS1NDF3C3pE6W2SoQhg89XU/PdJq47MBFLNWq81+AMTPNFwNjA0lVHK27
83M2ibmjaHZDMHGSLlj1e+dZb5covhZXpmgx0PPXAoGBAK1rV3N20/uT37XlpH9z
GU/yTN/94hbl2yWsUsxBE59TrtLwn6zp+9DkCAWQxoNETQVhMFxy7oIZ+wRHEqSF
/3NgOBJ9DSQl7OrOS5q0posJZTKwwfxesCRE6gkkOGvkLlLkq4h3wKlUHjPKx7S+
brCyRpKpQmeCJvWEepDbS88M
-----END PRIVATE KEY-----
`.trim()

const derOf = (pem: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0))

export interface Thumbprints {
  /** Upper-case hex SHA-256 of the DER certificate (msal-node `thumbprintSha256`). */
  readonly sha256Hex: string
  /** Upper-case hex SHA-1 of the DER certificate (msal-node's deprecated `thumbprint`). */
  readonly sha1Hex: string
  /** base64url SHA-256: the `x5t#S256` header of a client assertion. */
  readonly x5tS256: string
  /** base64url SHA-1: the `x5t` header of a client assertion. */
  readonly x5t: string
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase()
const b64url = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

/** Thumbprints of a PEM certificate (WebCrypto: Node and Deno). */
export const thumbprints = async (pem: string): Promise<Thumbprints> => {
  const der = derOf(pem)
  const [sha256, sha1] = await Promise.all([crypto.subtle.digest("SHA-256", der), crypto.subtle.digest("SHA-1", der)])
  return { sha256Hex: hex(sha256), sha1Hex: hex(sha1), x5tS256: b64url(sha256), x5t: b64url(sha1) }
}
