# 节点（liudong-node）：配置检查、启动与停止、与运行中的节点通信。

## 配置文件

config-read = 无法读取配置文件 { $path }
config-syntax = 配置文件 { $path } 格式不正确
config-file = 配置文件 { $path }
config-unknown-code = { $field } = { $code }：{ $reason }；节点必须对应一个真实存在的单位
config-exchange-children-not-exchange = [node] exchange_children 只用于交换节点（代码为 CN、2 位或 4 位）
config-exchange-children-value = [node] exchange_children = "{ $other }"：应为 "county" 或 "province"
config-bundle-trusted-key = [[bundle.trusted]] 中 { $code } 的 public_key "{ $public_key }"：应为 `liudong key show` 显示的 ed25519:<64 位十六进制>
config-upstream-url-scheme = [upstream] url "{ $url }" 必须以 http://（或 https://）开头
config-upstream-url-missing = 缺少 [upstream] url：本节点（{ $kind }）要通过 https://主机:端口 连接其上级 { $pcode }（入网文件中已给出）
config-upstream-missing = 缺少 [upstream]：本节点（{ $kind }）必须连接其上级
config-admin-listen-loopback = [node] admin_listen = { $a }：管理服务只能监听本机回环地址
config-listen-missing = 缺少 [node] listen：本节点（{ $kind }）要为下级提供服务，需要一个监听地址
config-sync-max-batch = [sync] max_batch = { $max_batch }：应为 1 到 10000
config-sync-window = [sync] window = { $window }：应为 1 到 64
config-sync-max-batch-bytes = [sync] max_batch_bytes = { $max_batch_bytes }：应在 4096 与 [net] max_message_mb 的一半之间
config-sync-max-record-bytes = [sync] max_record_bytes = { $max_record_bytes }：应在 1024 与 [net] max_message_mb 的一半之间
config-sync-max-session-records = [sync] max_session_records = { $max_session_records }：至少应为 max_batch（{ $max_batch }）
config-net-max-message-mb = [net] max_message_mb = { $max_message_mb }：应为 1 到 256
config-net-max-streams = [net] max_streams 至少应为 1
config-sync-positive = [sync] interval_secs、idle_timeout_secs 和 backoff_min_ms 必须大于 0
config-store-compression = [store] compression = { $compression }：应为 zstd 压缩级别 1 到 22，0 表示不压缩
config-exchange-keys-interval = [exchange] keys_interval_secs 至少应为 1
config-units-not-here = { $field }：只有县级或乡级节点才列出其下没有独立节点的单位；请从本节点（{ $kind }）的配置中删除
config-units-not-under = { $field }：{ $code } 不是 { $node } 下属的单位；只能列出其下属的乡镇或村
config-units-level = { $field }：{ $code } 是{ $level }代码；只能列出乡镇（9 位）或村（12 位）
config-workflow-thresholds = [workflow] missed_quarters 至少为 1，certificate_days 不能小于 0，ack_days 至少为 1
config-console-listen-address = [console] listen = "{ $listen }" 不是形如 127.0.0.1:8443 的地址
config-console-listen-loopback = [console] listen = { $listen }：工作台通过 HTTPS 使用节点的 [tls] 证书提供服务；本节点没有 [tls]（insecure = true），因此工作台只能监听本机回环地址，例如 127.0.0.1:8443
config-console-idle-timeout = [console] idle_timeout_secs = { $idle_timeout_secs }：应为 60 到 86400
config-console-max-session = [console] max_session_secs = { $max_session_secs }：不能小于 idle_timeout_secs（{ $idle_timeout_secs }），不能大于 604800（一周）
config-console-max-failed-logins = [console] max_failed_logins = { $max_failed_logins }：应为 1 到 100
config-console-lockout = [console] lockout_secs = { $lockout_secs }：应为 1 到 86400
config-metrics-port = [metrics] listen = "{ $s }"：请指定固定端口，以便监控采集程序访问
config-insecure-and-tls = 同时设置了 [node] insecure = true 和 [tls]；要使用双向 TLS 请删除 insecure，仅限本机的测试节点请删除 [tls]
config-tls-missing = 缺少 [tls]：所有链路都使用双向 TLS；请用 `liudong ca issue --code { $code } --out 目录` 为本节点签发证书并在 [tls] 中填写（见 docs/security.md），仅限本机的测试节点可设置 [node] insecure = true
config-listen-plaintext = [node] listen = { $a }：非回环地址不允许明文通信（insecure = true）；请配置 [tls]，或监听 127.0.0.1
config-upstream-https-needs-tls = [upstream] url "{ $url }"：使用 https 需要 [tls] 配置（并删除 insecure）
config-upstream-plaintext = [upstream] url "{ $url }"：不允许以明文（insecure = true）连接非回环地址；请配置 [tls] 并使用 https://
config-upstream-https-with-tls = [upstream] url "{ $url }"：配置了 [tls] 时，应以 https://主机:端口 连接上级

## 节点的管辖范围（core）

scope-kind-mismatch = 代码 { $code } 是{ $level }代码，但{ $kind }类节点需要 { $expected } 位代码
scope-exchange-children = 交换节点 { $code } 不能有{ $child }级的下级：下级必须在交换节点之下，且最多到县级
scope-not-parent = { $parent } 不能作为 { $child } 的上级：{ $reason }
scope-rule-prefix = 下级的代码必须以上级的代码开头
scope-rule-village-township = 村连接其乡镇，乡镇连接其县
scope-rule-county-exchange = 县或交换节点连接交换节点

## 节点的启动与停止

node-data-dir = 无法创建数据目录 { $path }
node-open-store = 无法打开 { $path } 中的数据库（是否有另一个 liudong 进程正在使用它？）
node-listen = 无法在 { $addr } 上监听（{ $setting }）
node-stopped-unflushed = 节点 { $node } 停止时未能完成最后的写盘：其数据库无法写入（请检查数据目录是否可写、磁盘是否有剩余空间）；所有已确认的数据都在确认前写盘
node-flush = 停止时数据库写盘失败
node-sealing-keys = 节点 { $node } 的加密密钥（交换层启用了加密：[exchange] sealed）
node-key-trust = [exchange] key_cas 或节点的 TLS 密钥（用于公布和核对加密密钥）

## 向节点（运行中或已停止）查询的命令

access-record-json = 记录 JSON 格式不正确（格式见 `liudong record add --help`）
access-field = 字段 { $field }
access-record-index = 第 { $index } 条记录：{ $error }
access-no-upstream-sync = 本节点没有配置 [upstream]，无法同步
access-no-upstream-verify = 本节点没有配置 [upstream]，无法核验
access-upstream-sync = 与 { $upstream }（{ $url }）同步
access-upstream-verify = 与 { $upstream }（{ $url }）核验
access-reply-invalid = 运行中节点对 { $what } 的答复无效
access-progress-sync = 同步
access-progress-sync-with = 与 { $upstream } 同步
wire-field = 管理消息字段 { $field }：{ $reason }
query-overdue-page = 逾期清单的分页只能用于逾期查询
query-unit-outside = 单位 { $unit }：本节点（{ $own }）只能回答其代码之下的单位
query-subject = 身份证号 { $e }
query-person-not-held = 本节点没有关于 { $subject } 的记录
query-person-not-held-unit = 本节点没有单位 { $unit } 关于 { $subject } 的记录
query-kind = 类别 "{ $k }"：应为 missing_checks、certificate、no_certificate、unacknowledged 或 held
query-limit = 条数 { $limit }：应为 1 到 { $max }
query-month = 月份 "{ $month }"：格式应为 YYYY-MM（年-月）
query-code = 代码：{ $e }
query-code-outside = 代码 { $code }：本节点（{ $own }）只保存其代码之下的辖区
query-code-not-under-unit = 代码 { $code }：报表只能是单位 { $unit } 或其下属单位的
query-wrong-answer = 节点对 { $expected } 查询给出了 { $got } 的答复

## 进度行（输出到标准错误）

progress-line-total = { $label }：{ $done }/{ $total } { $unit }（{ $percent }%，每秒 { $rate }）
progress-line = { $label }：{ $done } { $unit }（每秒 { $rate }）
progress-finished = { $label }：{ $summary } — { $done } { $unit }，用时 { $secs } 秒
progress-unit-records = 条记录
progress-unit-months = 个月份
progress-interrupted = 已中断
progress-session-ended = 会话结束
progress-caught-up = 已同步到最新
progress-stopped = 已停止
progress-done = 完成
progress-verify-audit = 核验：检查本地数据库
progress-verify-compare = 核验：与上级比对
progress-verify-fetch = 核验：获取缺少的记录
progress-verify-offer = 核验：提供上级缺少的记录
progress-verify-step = 核验：{ $step }

## [exchange] nats（JetStream 交换节点）

config-nats-key-without-nats = [exchange] nats_key 和 nats_stream 只在配置了 [exchange] nats 时使用
config-nats-not-county = [exchange] nats 只用于县级中心；本节点（{ $kind }）通过其县级中心连接交换节点
config-nats-and-url = [exchange] nats 和 [upstream] url 都指定了交换节点：使用 JetStream 交换节点时，请删除 [upstream] url（保留其 code）
config-nats-needs-code = [exchange] nats 需要用 [upstream] code 指明交换节点（例如 "CN" 或省的 2 位代码）
config-nats-url = [exchange] nats = "{ $url }"：应为形如 "nats://host:4222" 的服务器地址（交换节点管理员的 cluster.toml 中列有）
config-nats-needs-tls = [exchange] nats 需要 [tls]：县通过其证书和 NATS 密钥连接集群
config-nats-needs-sealed = [exchange] nats 只传送加密信封：请设置 [exchange] sealed = true（默认值）
