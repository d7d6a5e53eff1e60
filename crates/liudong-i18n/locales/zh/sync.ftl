# 同步会话（liudong-sync）：会话失败或被拒绝的原因，以及离线数据包。

sync-version = 不支持协议版本 { $theirs }（本节点使用版本 { $ours }）；请升级较旧的节点
sync-protocol = 协议错误：{ $error }
sync-not-child = 节点 { $peer } 不是 { $server } 的直接下级；节点只能与自己的上级同步
sync-identity-mismatch = 会话自称节点 { $claimed }，但对方证书属于 { $certified }；节点只能使用自己的证书
sync-wrong-upstream = 上级以节点 { $found } 的身份应答，但本节点配置的上级是 { $expected }；请检查配置中的 [upstream]
sync-decode = 本批第 { $index } 条记录无法解码：{ $error }
sync-invalid = 记录 { $id } 无效：{ $error }
sync-not-entitled = 记录 { $id } 不应发给 { $peer }：{ $rule }
sync-revoked = 节点 { $peer } 的证书 { $fingerprint } 已被吊销；该节点需要向其 CA 申请新证书
sync-limit = 超出限制：{ $reason }
sync-timeout = 超时：{ $reason }
sync-remote = { $message }
sync-transport = 连接失败：{ $reason }
sync-cancelled = 会话已取消（节点正在停止）
sync-seal-mismatch = 节点 { $peer } 在这条链路上{ $theirs }加密信封，但本节点{ $ours }；请在县、其交换节点及更上层的交换节点上把 [exchange] sealed 设为相同的值
sync-sealed-carries = 传送
sync-sealed-not-carries = 不传送

## 会话失败的详情

sync-stream-closed = 与上级的数据流已关闭
sync-timeout-connecting = 连接上级节点
sync-first-not-welcome = 服务端的第一条消息必须是 Welcome
sync-closed-before-welcome = 上级节点在应答前关闭了数据流
sync-timeout-welcome = 上级节点没有应答
sync-the-upstream = 上级节点
sync-upstream-ended-early = 上级节点提前结束了会话
sync-timeout-close = 上级节点没有结束会话
sync-upstream-gone = 上级节点已断开
sync-silent-peer = { $peer } 已 { $secs } 秒没有发来消息（[sync] idle_timeout_secs）
sync-silent-peer-awaiting-ack = { $peer } 已 { $secs } 秒没有发来消息（[sync] idle_timeout_secs），期间有一批数据在等待确认
sync-limit-session-records = 本次会话将超过 [sync] max_session_records = { $max }（已收到 { $received } 条，本批 { $batch } 条）；请开始新的会话继续
sync-limit-batch = 一批 { $records } 条记录，超过 [sync] max_batch = { $max }；请分成较小的批次发送
sync-limit-record-bytes = 本批第 { $index } 条记录有 { $bytes } 字节，超过 [sync] max_record_bytes = { $max }{ $envelope ->
    [0] {""}
   *[other] （另加信封 { $envelope } 字节）
}
sync-limit-verify = 一次核对请求中有 { $n } 个{ $what }，超过上限 { $max }；请分批查询
sync-verify-months = 月份
sync-verify-buckets = 分组
sync-verify-members = 成员
sync-verify-record-ids = 记录编号
sync-verify-envelope-ids = 信封编号

## 离线数据包

bundle-truncated = 数据包文件不完整，或不是流动人口系统的数据包；请从导出节点重新复制
bundle-not-a-bundle = 不是流动人口系统的数据包（文件头不对）
bundle-version = 不支持数据包格式版本 { $version }（本节点读取版本 { $ours }）；请用本版本重新导出
bundle-trailing = 数据包文件末尾多出 { $bytes } 字节；文件已被改动
bundle-untrusted = 数据包签名者 { $signer }（密钥 { $key }）不受信任；请把它加入 [[bundle.trusted]]（在 { $signer } 上用 `liudong key show` 查看）
bundle-bad-key = 公钥“{ $key }”的格式不是 ed25519:<十六进制>
bundle-bad-signature = 数据包签名校验失败：文件已被改动，或不是用此密钥签名的
bundle-payload = 数据包内容：{ $error }
bundle-payload-decompress = 无法解压（{ $error }）
bundle-payload-too-large = 超过 { $max } 字节
bundle-payload-decode = 无法解码（{ $error }）
bundle-signer-mismatch = 数据包自称来自 { $from }，但签名者是 { $signer }
bundle-not-for-this-node = 此数据包是发给节点 { $to } 的，不是 { $node }
bundle-not-a-link = { $peer } 既不是 { $node } 的上级也不是其下级；数据包只能在一条链路的两端之间传递
bundle-bad-sender = 数据包发送方代码：{ $error }
bundle-key-generation = 无法生成节点签名密钥
bundle-refused = 数据包被拒绝：{ $error }
bundle-not-a-key = { $path } 不是 Ed25519 PKCS#8 密钥；删除它即可生成新密钥（并更新导入方的 [[bundle.trusted]]）

## 接收范围（对方可以发送哪些记录）

sync-scope = { $kind } { $code }
sync-rule-child-push = 下级节点只能上传流出地或居住地在其辖区内的记录
sync-rule-child-author = 下级节点只能上传由它自己或其下级节点填写的记录
sync-rule-parent-send = 上级节点只能下发流出地或居住地在接收节点辖区内的记录
sync-rule-sealed-source = 下级节点只能上传由其辖区内的县加密、发往本交换节点所转发的县的信封
sync-rule-sealed-down = 上级交换节点只能下发收件县在接收节点辖区内的信封
sync-rule-sealed-author = 信封只能装载在其来源县填写、且编号与信封头一致的记录
sync-rule-own-envelopes = 县只能在交换集群上发布本县自己封装的信封（主题中的来源县必须是签名的县）
sync-link-driver-not-running = 该链路的同步任务没有运行
sync-link-driver-stopped = 该链路的同步任务已停止

## 传输中的记录（liudong-proto）

proto-not-record = 不是 protobuf 格式的 Record 消息：{ $error }
proto-missing = 缺少字段 { $field }
proto-invalid = 字段 { $field }：{ $reason }
proto-enum = 字段 { $field }：枚举值未知或未填写

## 加密信封（liudong-exchange）

seal-malformed = 本批第 { $index } 个信封格式不正确：{ $reason }
seal-header = 记录 { $id } 的信封：信封头字段 { $field }：{ $reason }；需要发送县重新加密
seal-unknown-signer = 来自县 { $from } 的记录 { $id } 的信封用密钥 { $key_id } 签名，本县尚未收到该密钥；将从交换节点获取，下次尝试时即可接收该信封
seal-bad-signature = 记录 { $id } 的信封：县 { $from } 的签名校验失败；信封在途中被改动，或不是由 { $from } 加密的
seal-proof-malformed = 县 { $from } 的送达证明无法读取（{ $reason }）
seal-proof-route = 县 { $from } 主题下的送达证明写的是另一条路线（{ $route }）；已拒绝
seal-proof-unknown-signer = 县 { $from } 的送达证明用密钥 { $key_id } 签名，本县尚未收到该密钥；等密钥目录同步后再核验
seal-proof-bad-signature = 县 { $from } 的送达证明签名校验失败：不是 { $from } 的密钥签的（伪造或被改动）；已拒绝
seal-unknown-recipient-key = 记录 { $id } 的信封是用密钥 { $key_id } 加密的，县 { $county } 没有这把密钥；请从备份恢复该县的加密密钥文件（sealing-keys.json）
seal-cannot-open = 来自县 { $from } 的记录 { $id } 的信封无法用密钥 { $key_id } 打开：内容在签名后被改动，或是用其他密钥加密的
seal-no-key = 尚未得知县 { $county } 的加密密钥；正在从交换节点获取其公告（县 { $county } 是否在运行并已连接？）
seal-announcement = 密钥公告：{ $error }
seal-key-file = 加密密钥文件 { $path }：{ $reason }
seal-random = 系统随机数生成器出错
