# 时钟、可安全重试的写入、大结果分批返回，以及协议的拒绝（问题 14 第 5–9 项）。
# Clocks, operator writes that can be retried, large answers, and the
# protocol's refusals (issue 14, items 5–9).

## 本节点时钟与上级节点时钟的比较（最大偏差规则）。

clock-offset-writes-refused = 本节点时钟为 { $local }（北京时间），上级节点 { $upstream } 的时钟为 { $remote }：本节点时钟{ $direction ->
        [ahead] 快了 { $diff } 秒
       *[behind] 慢了 { $diff } 秒
    }，超过允许的 { $limit } 秒（[sync] max_skew_secs）。两者一致之前，本节点拒绝写入记录：请校正本节点的系统时钟（如果是上级节点的时钟有误，则校正上级的）。已写入的记录不会丢失，仍照常同步；时钟一致后即可继续写入。

## 证书“尚未生效”：是时钟问题，而不是证书过期或不受信任。

# 本节点拒绝对方 TLS 握手的原因（日志与审计记录）。
tls-peer-not-yet-valid = 对方证书无效：尚未生效——证书自 { $from } 起生效，而本节点时钟为 { $now }（北京时间）。这是时钟问题，不是证书过期或不受信任：本节点的时钟或签发该证书的机器的时钟有误，请检查两者的系统时钟。
# 下级节点拨号时，上级节点证书按本节点时钟尚未生效，附在错误之后。
tls-upstream-not-yet-valid-hint = 上级节点的证书自 { $from } 起才生效，而本节点时钟为 { $now }（北京时间）：这是时钟问题，不是证书过期或不受信任；请检查本节点的系统时钟（以及签发上级证书的机器的时钟）
# 上级节点以“证书过期”拒绝本节点证书时附加（TLS 对“尚未生效”也报同一告警）。
tls-alert-expired-hint = 上级节点按其自身时钟认为本节点的证书已过期或尚未生效：如果证书的有效期（用 `openssl x509 -noout -dates -in` 查看 [tls] cert 文件）包含当前时间，则是时钟有误（请比较本节点与上级节点的时钟）；否则本节点需要由其 CA 重新签发证书

## 同步协议的拒绝（docs/protocol.md）。

# 同一下级节点开启了更新的会话，本会话结束。
session-superseded = 节点 { $peer } 开启了更新的会话，本会话结束（每个下级节点同一时间只有一个会话：以最新的为准）
# 批次游标倒退。
cursor-backwards = { $what } 游标 { $cursor } 倒退到了 { $last } 之前（本会话的 { $what } 批次已到达 { $last }）：发送方发件箱的位置只增不减；发送方须从对方给出的游标处重新发送
# 含记录的批次没有推进游标。
cursor-stalled = 含 { $records } 条记录的 { $what } 批次游标为 { $cursor }，没有超过 { $last }：含记录的批次覆盖的是上一批之后的发件箱位置

## 可安全重试的写入（请求编号）。

request-id-bad = 请求编号“{ $id }”无效：请使用 1 至 64 个字母、数字或 . _ : - 字符
request-id-reused = 请求编号 { $id } 已用于另一次不同的写入：本次未写入任何记录；请换用新的请求编号（或重新发送同一写入以查看其结果）
# 写入未得到答复。
write-outcome-unknown = 节点没有答复本次写入（{ $code }：{ $message }），无法确定是否已写入；可以安全重试：使用同一请求编号 { $id } 的同一写入绝不会被写入两次
# `liudong record add` 遇到上述失败之后。
record-add-retry = 如需重试，请再次运行同一命令并加上 --request-id { $id }
# `liudong record add` 重试：上一次已写入。
record-add-replayed = 已由请求编号为 { $request } 的上一次尝试写入：{ $id }（hlc { $hlc }）；本次未写入任何记录
# 分段传回的管理服务答复无法解码。
reply-not-decoded = 运行中节点的 { $what } 答复无法解码：命令与节点的版本不同，或答复被截断；请重新运行该命令，若仍失败，请用本版本重启节点
clock-skew = 时间戳 { $remote_ms } 毫秒比本节点时钟快 { $ahead_ms } 毫秒（上限 { $max_skew_ms } 毫秒）；请检查发送节点的系统时钟
