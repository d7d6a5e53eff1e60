# 拓扑与部署文案：节点状态（liudong status）、信任文件（liudong trust）、
# 配置文件查找、操作员、全局选项。
# Topology and set-up: node status, trust files, finding the config, operators.

topo-upstream-unaddressed = 上级节点 { $upstream } 尚无地址（配置 [upstream] 未填 url）：发往它的记录在本节点等待。交换节点建好后，用 `liudong trust add` 导入其信任文件（会写入地址），再重启本节点

## liudong status

topo-kind-village = 村
topo-kind-township = 乡镇
topo-kind-county = 县级中心
topo-kind-exchange = 交换节点
topo-status-head = 节点 { $node }（{ $kind }）：记录 { $records } 条，本地序号 { $seq }，拒收冲突 { $conflicts } 批，拒绝对端 { $refused } 次（见 `liudong audit`）
topo-store-cannot-write = 存储无法写入：重启前拒收一切记录；请检查数据目录是否可写、磁盘是否有空间
topo-col-link = 链路
topo-col-peer = 对端
topo-col-pending-out = 待发
topo-col-pending-in = 待收
topo-col-last-contact = 最后联系
topo-col-every = 周期
topo-col-state = 状态
topo-col-sessions = 会话
topo-col-last-success = 最后成功
topo-col-last-error = 最后错误
topo-col-unit = 单位
topo-col-name = 名称
topo-col-reported = 报告时间
topo-role-upstream = 上级
topo-role-child = 下级
topo-state-connected = 已连接
topo-state-refused = 被拒绝
topo-state-waiting = 等待地址
topo-state-silent = 失联
topo-state-failing = 连接失败
topo-state-no-node = 无独立节点
topo-state-unknown = 未报告
topo-state-idle = 正常
topo-note-refused = 被拒绝：与 { $peer } 的上次会话（{ $at }）被拒绝：{ $error }；此链路现在每隔 [sync] backoff_max_secs 才重试一次：排除原因后运行 `liudong sync --once`
topo-note-failing = 连接失败：与 { $peer } 的上次会话失败，此后没有成功过：{ $error }；节点会自动重试，请检查对方是否运行、网络与证书是否正常
topo-note-waiting = 等待地址：上级 { $peer } 尚无地址（配置 [upstream] 未填 url），{ $pending } 条发往它的记录（跨县记录）在本节点等待；交换节点建好后用 `liudong trust add` 导入其信任文件并重启本节点，记录随即发出
topo-note-silent = 失联：下级节点超过两个预期周期未联系（或从未联系）；请检查它是否运行、能否连到本节点
topo-receipt-none = { $peer }：尚未核对（指纹 { $fingerprint }）；运行 `liudong verify`
topo-receipt-in-step = 与 { $peer } 一致，截至 { $at }，游标 { $cursor }，指纹 { $fingerprint }
topo-receipt-not-in-step = 与 { $peer } 不一致，截至 { $at }，游标 { $cursor }，指纹 { $fingerprint }；不同之处：{ $differing }；运行 `liudong verify --repair`
topo-units-head-county = 下辖乡镇与村（村的状态由其乡镇报告，按本节点时钟判断是否失联）：
topo-units-head-township = 下辖村：
topo-units-not-reported = （该乡镇尚未报告其 { $count } 个村的状态）

## 配置文件与操作员

topo-config-not-found = 找不到配置文件：请用 --config 指定，或设置环境变量 LIUDONG_CONFIG，或在配置文件 liudong.toml 所在目录中运行（当前目录 { $dir } 中没有它；例如先 cd /etc/liudong）
topo-cwd-unreadable = 无法读取当前目录（{ $error }）：请用 --config 指定配置文件，或设置环境变量 LIUDONG_CONFIG
topo-operator-login = 注意：未指明操作员（--operator 姓名，或环境变量 LIUDONG_OPERATOR），本次查看以登录名“{ $name }”记入审计记录
topo-operator-missing = 查看个人信息须指明操作员，以记入审计记录：请加 --operator 姓名，或设置环境变量 LIUDONG_OPERATOR

## liudong init 的后续步骤

topo-init-step-trust = 与交换节点 { $exchange } 的运营方互换信任文件：在本机运行 `liudong trust export --config { $config } --out 本县.trust` 交给对方（对方运行 `liudong trust add 本县.trust`）；对方给你的信任文件用 `liudong trust add --config { $config } 交换节点.trust` 导入，然后重启本节点。此前与交换节点的链路会因证书不被信任而失败；乡镇和村不受影响
topo-init-step-waiting = 交换节点 { $exchange } 还没有地址：跨县记录先在本节点等待（`liudong status` 显示“等待地址”和条数），乡镇与村照常同步。交换节点建好后，导入其信任文件（见上一步）即写入地址，重启后记录随即发出
topo-init-step-trust-exchange = 与本交换节点服务的每个县互换信任文件：`liudong trust export --config { $config } --out 交换节点.trust` 交给各县（含本节点地址）；各县给你的信任文件用 `liudong trust add --config { $config } 某县.trust` 导入，然后重启本节点

## liudong trust

topo-trust-not-a-file = 不是流动信任文件（没有 `liudong-trust v1 sha256:... <长度>` 这一行）；请使用对方 `liudong trust export` 写出的文件
topo-trust-newer = 信任文件格式版本 { $version } 比本程序新；请安装与对方相同版本的 liudong
topo-trust-damaged = 信任文件已损坏（{ $what }）；请对方重新导出
topo-trust-truncated = 信任文件不完整：表头后只有 { $got } 字节，应有 { $want } 字节；请重新复制
topo-trust-corrupted = 信任文件已被改动：内容与表头中的校验和不符；请重新复制或请对方重新导出
topo-trust-not-a-hub = { $code } 是{ $kind }节点：只有县级中心和交换节点之间互换信任文件；乡镇和村通过县里签发的注册文件（`liudong enrol`）获得信任
topo-trust-own = 这是本节点自己（{ $code }）的信任文件：请导入对方运营方的文件
topo-trust-unrelated = 信任文件属于 { $code }，它既不是本节点（{ $own }）的上级（{ $upstream }），也不是本节点服务的下级；请核对文件来源
topo-trust-inconsistent = 信任文件自称属于 { $code }，但其中的 CA 证书属于 { $ca }；文件不可信，请对方重新导出
topo-trust-crl-unsigned = 信任文件中的证书吊销列表不是 { $code } 的 CA 签发的；文件不可信，请对方重新导出
topo-trust-no-tls = 配置 { $config } 没有 [tls] 一节（insecure 测试节点）：信任文件只用于双向 TLS 的节点
topo-trust-exported = 信任文件已写入 { $file }：{ $code }（{ $name }）运营方的 CA 证书与证书吊销列表（公开内容，不含私钥）；CA 指纹 { $fingerprint }，请通过电话等其他渠道告知对方以便核对
topo-trust-exported-url = 其中含本节点地址 { $url }，各县据此连接本节点
topo-trust-exported-next = 下一步：把文件交给对方运营方（任何能完整传递文件的方式均可），对方运行 `liudong trust add { $file }`
topo-trust-added = 已信任 { $code }（{ $name }）：CA 证书 { $ca }（指纹 { $fingerprint }，请与对方告知的核对），证书吊销列表 { $crl }（已写入配置 [tls]）
topo-trust-unchanged = { $code }（{ $name }）已被信任，文件内容相同：未作任何改动
topo-trust-crl-updated = 已更新 { $code } 的证书吊销列表 { $crl }：运行中的节点一秒内自动载入，无需重启
topo-trust-url-set = 上级 { $code } 的地址已写入配置：[upstream] url = { $url }
topo-trust-url-differs = 配置中的上级地址 { $have } 与信任文件中的 { $url } 不同：未改动；如需改用新地址，请修改 [upstream] url
topo-trust-restart = 请重启本节点使之生效：`sudo systemctl restart liudong`
