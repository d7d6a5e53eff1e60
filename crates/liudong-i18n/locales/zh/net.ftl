# TLS 身份与信任（liudong-net）：证书检查、拒绝，以及同步失败时附加的提示。

net-tls-read = 无法读取 { $path }：{ $error }；请检查 [tls] 中的路径和文件权限
net-tls-write = 无法写入 { $path }：{ $error }
net-tls-pem = { $path }：{ $what }
net-tls-no-code = 证书中没有节点代码（URI SAN { $uri }<代码>）；请用 `liudong ca issue` 签发证书
net-tls-several-codes = 证书中有多个节点代码；节点证书只能有一个节点代码
net-tls-parse = 证书无法解析：{ $error }
net-tls-ca-no-code = CA 证书 { $path } 没有管辖范围（URI SAN { $uri }<代码>）；请用 `liudong ca init` 创建 CA
net-tls-jurisdiction = 节点 { $code } 的证书由 { $ca } 的 CA 签发，超出该 CA 的管辖范围；CA 只能为其代码之下的节点签发证书
net-tls-unknown-issuer = 证书不是由任何受信任的 CA（[tls] ca_certs）签发的
net-tls-revoked = 证书 { $fingerprint }（节点 { $code }）已被吊销（在其 CA 的证书吊销列表中）；该节点需要向其 CA 申请新证书
net-tls-wrong-node = 本节点的证书属于 { $found }，但本节点配置为 { $expected }；请使用为本节点代码签发的证书
net-tls-crl = 证书吊销列表 { $path }：{ $what }；[tls] crls 应填写受信任 CA 的吊销列表（crl.pem，由 `liudong ca init` 写在 ca.crt 旁，由 `liudong ca revoke` 更新）
net-tls-revoked-list-replaced = [tls] revoked = { $path }：不再读取指纹列表，吊销现在以各 CA 的证书吊销列表为准。请把这一行改为 crls = ["<CA 目录>/crl.pem"]（`liudong ca init` 写在 ca.crt 旁、`liudong ca revoke` 更新的吊销列表；其他节点上用其副本），本节点持有的每个受信任 CA 的吊销列表各一项；见 docs/security.md
net-tls-rustls = TLS 设置失败：{ $error }
net-tls-rcgen = 生成证书失败：{ $error }

## 拒绝（服务端）

net-no-client-certificate = 没有客户端证书
net-client-refused = 客户端证书被拒绝：{ $reason }
net-audit-handshake = TLS 握手：{ $reason }
net-invalid-peer-certificate = 对方证书无效：{ $reason }
net-invalid-peer-certificate-revoked = 对方证书无效：证书已被吊销（在其 CA 的证书吊销列表中）

## 同步失败（发起端）

net-frame-too-large = 数据帧被拒绝：{ $error }（[net] max_message_mb）
net-frame-undecodable = 数据帧无法解码：{ $error }
net-hint-own-certificate-revoked = 证书已吊销：上级节点发现本节点的证书在其 CA 的证书吊销列表中，拒绝了连接；本节点需要向其 CA 申请新证书（在县级中心执行 `liudong enrol`，见 docs/operations.md）
net-hint-own-certificate-refused = 上级节点因上述原因拒绝了本节点的证书：请在上级节点上查看 `liudong audit`
net-hint-tls-alert = 对方拒绝了本节点的 TLS 证书，或本节点拒绝了对方的证书（CA 不对、已过期、已吊销或超出 CA 管辖范围）：请在上级节点上查看 `liudong audit`
net-hint-connection-closed = 上级节点关闭了连接（如果它使用 TLS，可能拒绝了本节点的证书，或本节点用明文连接了 TLS 节点：请检查 [tls] 和 https:// 地址，并在上级节点上查看 `liudong audit`）
net-hint-upstream-revoked = 证书已吊销：上级节点的证书在其 CA 的证书吊销列表中（[tls] crls）：在其管理员为它签发新证书之前，不会向它发送任何数据
net-hint-unreachable = 无法连接上级节点：请检查它是否在运行、是否在 [upstream] url 所指地址监听，以及中间的网络是否放行
net-hint-upstream-certificate = 上级节点的 TLS 证书未被接受：请检查 [tls] ca_certs 和 [upstream] code

## 证书吊销列表（[tls] crls）

net-crl-not-pem = 不是 PEM 格式的证书吊销列表文件：{ $error }
net-crl-none = 不含证书吊销列表（-----BEGIN X509 CRL-----）
net-crl-parse = 无法解析为证书吊销列表：{ $error }
net-crl-untrusted-issuer = 由“{ $issuer }”签发，它不是 [tls] ca_certs 中的 CA；只能填写受信任 CA 的吊销列表
net-crl-signature = 签名校验失败（用 CA { $ca } 的证书校验）；文件已损坏或不是该 CA 的：请向该 CA 的管理员重新索取
net-crl-unusable = TLS 库无法使用它：{ $error }
