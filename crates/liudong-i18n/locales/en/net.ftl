# TLS identities and trust (liudong-net): certificate checks, refusals and
# the hints added to a failed link's error.

net-tls-read = cannot read { $path }: { $error }; check the path in [tls] and the file permissions
net-tls-write = cannot write { $path }: { $error }
net-tls-pem = { $path }: { $what }
net-tls-no-code = certificate has no node code (URI SAN { $uri }<code>); issue it with `liudong ca issue`
net-tls-several-codes = certificate names several node codes; a node certificate names exactly one
net-tls-parse = certificate cannot be parsed: { $error }
net-tls-ca-no-code = CA certificate { $path } has no jurisdiction (URI SAN { $uri }<code>); create CAs with `liudong ca init`
net-tls-jurisdiction = certificate for node { $code } was issued by the CA of { $ca }, outside that CA's jurisdiction; a CA may only certify nodes under its own code
net-tls-unknown-issuer = certificate was not issued by any trusted CA ([tls] ca_certs)
net-tls-revoked = certificate { $fingerprint } (node { $code }) is revoked (on its CA's certificate revocation list); the node needs a new certificate from its CA
net-tls-wrong-node = this node's certificate is for { $found }, but the node is configured as { $expected }; use the certificate issued for this node's code
net-tls-crl = certificate revocation list { $path }: { $what }; [tls] crls names the CRL of a trusted CA (crl.pem, written by `liudong ca init` beside ca.crt, updated by `liudong ca revoke`)
net-tls-revoked-list-replaced = [tls] revoked = { $path }: the fingerprint list is no longer read; revocation uses the CAs' certificate revocation lists now. Replace the line with crls = ["<CA directory>/crl.pem"] (the CRL `liudong ca init` writes beside ca.crt and `liudong ca revoke` updates; on other nodes a copy of it), one per trusted CA whose CRL this node has; see docs/security.md
net-tls-rustls = TLS set-up failed: { $error }
net-tls-rcgen = certificate generation failed: { $error }

## Refusals (the server's side)

net-no-client-certificate = no client certificate
net-client-refused = client certificate refused: { $reason }
net-audit-handshake = TLS handshake: { $reason }
net-invalid-peer-certificate = invalid peer certificate: { $reason }
net-invalid-peer-certificate-revoked = invalid peer certificate: certificate revoked (on its CA's certificate revocation list)

## A failed link (the dialling side)

net-frame-too-large = frame refused: { $error } ([net] max_message_mb)
net-frame-undecodable = frame cannot be decoded: { $error }
net-hint-own-certificate-revoked = certificate revoked: the upstream found this node's certificate on its CA's certificate revocation list and refused it; the node needs a new certificate from its CA (`liudong enrol` on the county hub, docs/operations.md)
net-hint-own-certificate-refused = the upstream refused this node's certificate for the reason above: see `liudong audit` on the upstream
net-hint-tls-alert = the peer refused this node's TLS certificate or this node refused the peer's (wrong CA, expired, revoked, or outside the CA's jurisdiction): see `liudong audit` on the upstream
net-hint-connection-closed = the upstream closed the connection (if it uses TLS it may have refused this node's certificate, or this node speaks plaintext to a TLS node: check [tls] and the https:// url, and `liudong audit` on the upstream)
net-hint-upstream-revoked = certificate revoked: the upstream's certificate is on its CA's certificate revocation list ([tls] crls): nothing is sent to it until its operator issues it a new certificate
net-hint-unreachable = the upstream could not be reached: check that it runs and listens at [upstream] url, and that the network between allows it
net-hint-upstream-certificate = the upstream's TLS certificate was not accepted: check [tls] ca_certs and [upstream] code

## Certificate revocation lists ([tls] crls)

net-crl-not-pem = not a PEM CRL file: { $error }
net-crl-none = contains no CRL (-----BEGIN X509 CRL-----)
net-crl-parse = cannot be parsed as a CRL: { $error }
net-crl-untrusted-issuer = issued by "{ $issuer }", which is not a CA in [tls] ca_certs; name only CRLs of trusted CAs
net-crl-signature = its signature does not verify with the certificate of CA { $ca }; it is damaged or not that CA's: take the file from the CA's operator again
net-crl-unusable = rustls cannot use it: { $error }
