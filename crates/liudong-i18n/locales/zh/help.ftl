# liudong 命令行的帮助文字（liudong --help），中文。
# Ids: help-<command path>, help-<command path>--<argument id>; see docs/i18n.md.

help-liudong = 流动（Liudong）：流动人口服务记录同步节点
help-flag-help = 显示帮助
help-flag-help-long = 显示帮助（用 -h 看摘要）
help-flag-version = 显示版本
help-serve = 运行节点，直到收到 SIGINT/SIGTERM
help-serve--config = 节点的配置文件（liudong.toml）
help-sync = 立即与上级节点完成一次同步
help-sync--config = 节点的配置文件（liudong.toml）
help-sync--once = 同步一次后退出（唯一的方式；持续同步请用 serve）
help-record = 写入记录
help-record-add = 校验并写入一条由本节点录入的记录。记录为 JSON：{"{"}"operator": "...", "subject": "<公民身份号码>", "origin": "<12 位代码>", "residence": "<12 位代码，可省>", "body": {"{"}"<种类>": {"{"}...{"}"}{"}"}{"}"}，种类为 person_registered、marriage_registered、outflow_registered、certificate_issued、inflow_registered、inflow_acknowledged、check_reported、birth_registered、residence_changed、returned、correction 之一
help-record-add--config = 节点的配置文件（liudong.toml）
help-record-add--json = 记录的 JSON；不给则从标准输入读取
help-record-add--file = 从此文件读取记录的 JSON
help-help = 显示本帮助，或所给子命令的帮助
help-status = 显示各链路、游标、待同步记录、最近一次成功与失败
help-status--config = 节点的配置文件（liudong.toml）
help-status--json = 输出 JSON 而不是表格
help-verify = 检查本地存储，并与上级节点比对本节点范围内的数据（指纹，自上而下）；最终仍不一致则以非零状态退出
help-verify--config = 节点的配置文件（liudong.toml）
help-verify--repair = 双向补传缺少的记录
help-verify--json = 输出 JSON 而不是表格
help-recover = 数据丢失后（存储损坏、数据目录被清空、从备份恢复）从上级重建或补全本节点的存储：损坏的存储被移到一旁，拉取本节点有权持有的全部记录（包括本节点自己的记录），并以核对证明其完整。节点须先停止（docs/operations.md）
help-recover--config = 节点的配置文件（liudong.toml）
help-recover--json = 以 JSON 输出结果
help-key = 本节点的密钥：数据包签名密钥，以及交换层中县级节点的封装密钥
help-key-show = 显示节点代码与公钥（供导入方的 [[bundle.trusted]] 使用）
help-key-show--config = 节点的配置文件（liudong.toml）
help-key-rotate = 封装交换层的县级节点：生成新的封装密钥对并设为当前密钥。旧密钥保留，用于打开以其封装的记录；运行中的节点在数秒内公布新密钥（docs/exchange.md）
help-key-rotate--config = 节点的配置文件（liudong.toml）
help-bundle = 离线数据包：在没有网络的地方传递记录
help-bundle-export = 把代码为 CODE 的节点（上级或下级）应得而尚缺的记录写成一个签名、压缩的文件。节点须处于停止状态
help-bundle-export--config = 节点的配置文件（liudong.toml）
help-bundle-export--for-code = 接收方节点的代码
help-bundle-export--since = 从此发件箱位置之后开始（接收方上次回执中的游标）；默认：接收方最近确认的位置
help-bundle-export--out = 要写出的数据包文件
help-bundle-import = 核验数据包的签名与权限并导入（可重复执行）
help-bundle-import--config = 节点的配置文件（liudong.toml）
help-bundle-import--file = 要导入的数据包文件
help-init = 建立节点：用 --code 建立县级枢纽或交换节点（配置、数据目录、运营方 CA 与节点证书），用 --enrol FILE 建立乡镇或村节点（解开县级枢纽签发的文件）。完成后列出下一步操作（见 docs/operations.md）
help-init--code = 枢纽的区划代码：6 位（县）；交换节点为 CN、2 位或 4 位
help-init--enrol = 由 liudong enrol 生成的入网文件（乡镇或村）
help-init--dir = 配置文件（liudong.toml）与 tls/（枢纽还有 ca/）所在目录
help-init--data-dir = 存储的数据目录（默认 DIR/data）
help-init--upstream-url = 上级节点地址，https://主机:端口（县级：其交换节点）
help-init--upstream-code = 上级节点代码（县级：所连的交换节点；默认 CN）
help-init--listen = 同步服务监听地址（默认：交换节点 0.0.0.0:7000，县 :7200，乡镇 :7300）
help-init--admin-listen = 管理服务监听地址，仅本机（默认 127.0.0.1:7001/7201/7301/7401）
help-init--exchange-children = 交换节点：下级的层级，county（县，默认）或 province（省）
help-init--trust-ca = 另一运营方的 CA 证书，予以信任（县级填交换节点的；交换节点填各县的）；可重复
help-init--ca-dir = 枢纽的 CA 目录（默认 DIR/ca）
help-init--force = 覆盖已有配置并重新签发节点证书
help-enrol = 在县级枢纽上：用县 CA 为乡镇或村签发密钥与证书，并写出其入网文件（权限 0600）
help-enrol--config = 县级枢纽的配置文件
help-enrol--code = 要入网的乡镇（9 位）或村（12 位）代码
help-enrol--url-for-child = 该节点要连接的地址：乡镇填本枢纽的（默认取 [node] listen 中的主机名），村填其乡镇的
help-enrol--ca-dir = 县 CA 目录（默认：配置文件旁的 ca/）
help-enrol--days = 证书有效天数（默认 825）
help-enrol--out = 要写出的入网文件
help-enrol--force = 覆盖已有文件
help-ca = 枢纽运营方的证书颁发机构（CA）：创建、签发节点证书、吊销（见 docs/security.md）
help-ca-init = 在 DIR 中为一个辖区创建 CA（ca.crt，ca.key 权限 0600）
help-ca-init--code = 运营方的区划代码：该 CA 只能为其下的节点签发证书
help-ca-init--dir = 创建 CA 的目录
help-ca-issue = 为节点 CODE 签发密钥与证书，写到 OUT（node.crt、node.key、ca.crt）
help-ca-issue--dir = CA 目录
help-ca-issue--code = 节点的区划代码（须在该 CA 辖区内）
help-ca-issue--out = 写出 node.crt、node.key 与 ca.crt 的目录
help-ca-issue--days = 有效天数（默认 825）
help-ca-revoke = 吊销本 CA 签发的节点证书：把其序列号加入 CA 的证书吊销列表 DIR/crl.pem 并重新签名
help-ca-revoke--dir = CA 目录
help-ca-revoke--cert = 要吊销的证书（PEM）
help-ca-revoke--reason = 吊销原因：写入吊销列表的 RFC 5280 原因（keyCompromise、superseded、cessationOfOperation、affiliationChanged、privilegeWithdrawn、cACompromise），其后可加“: 说明”；其他写法记为 unspecified（未说明）
help-audit = 查看审计记录：同步会话（谁收到了哪些人的记录）、操作员的写入与查看（person show、overdue、report）、拒绝
help-audit--config = 节点的配置文件（liudong.toml）
help-audit--since = 只看此时刻及以后的条目：YYYY-MM-DD[THH:MM[:SS]]（北京时间）或 Unix 毫秒数
help-audit--peer = 只看涉及此对端节点代码的条目
help-audit--subject = 只看涉及此公民身份号码的条目（“谁收到了这个人的记录”）
help-audit--limit = 最多显示这么多条（最新的）
help-audit--json = 输出 JSON 而不是表格
help-bench = 运行性能测试（见 docs/performance.md）：初次与增量同步、扇出、跨县延迟、资源占用
help-bench--smoke = 极小规模、只跑一次：检查测试套件能否运行（供测试使用）
help-bench--records = 大枢纽上的记录数（默认 1,000,000）
help-bench--runs = 每个场景运行次数，报告中位数（默认 3）
help-bench--only = 只运行这些场景（1-9），用逗号分隔
help-bench--peer-records = 场景 8 中由 PouchDB 对照组和 Liudong 各自复制的记录数（默认 100,000）
help-bench--out = 把结果以 JSON 写到此文件
help-bench--compression = 本次运行中各存储的 zstd 压缩级别，同 store.compression（0 为不压缩；默认 3）
help-person = 某人的汇总视图：状态、流动经历、婚育证明、查验、生育
help-person-show = 显示某人的视图（表格，或 --json）
help-person-show--config = 节点的配置文件（liudong.toml）
help-person-show--id = 该人的公民身份号码
help-person-show--json = 输出 JSON 而不是表格
help-overdue = 本节点辖区的逾期与待关注名单（阈值见配置 [workflow]）
help-overdue--config = 节点的配置文件（liudong.toml）
help-overdue--kinds = 只看这些种类：missing_checks（缺查验）、certificate（证明到期）、no_certificate（无证明）、unacknowledged（未确认）、held（暂存）（可重复或用逗号分隔；默认全部）
help-overdue--json = 输出 JSON 而不是表格
help-report = 本节点所辖某单位的月报
help-report--config = 节点的配置文件（liudong.toml）
help-report--month = 月份，YYYY-MM
help-report--code = 报告的单位（默认：本节点代码）；各行为其下级单位
help-report--format = 输出格式：table（表格，默认）、csv 或 json
help-import = 把流动人口台账（.xlsx 或 .csv）导入为记录（见 docs/ledgers.md）。文件有错误时不导入任何一行，除非加 --skip-invalid
help-import--file = 台账文件：.xlsx（第一个工作表）或 .csv（UTF-8）
help-import--config = 节点的配置文件（liudong.toml）
help-import--map = 其他表头的 TOML 列对照表：[columns] "表头" = "字段"
help-import--skip-invalid = 导入有效的行；把被拒的行连同原因写到一个文件
help-import--rejects = --skip-invalid 写出被拒行的文件（默认：FILE 旁的 FILE.rejects.csv）
help-import--dry-run = 检查每一行，显示从地址读出的代码；不写入任何内容
help-export = 把人员台账、逾期名单或月报导出为 .xlsx 或 .csv（带 BOM 的 UTF-8），默认中文表头（见 docs/ledgers.md）
help-export--what = 导出什么：persons（人员台账）、overdue（逾期事项）或 report（月报）
help-export--config = 节点的配置文件（liudong.toml）
help-export--out = 输出文件：.xlsx 或 .csv
help-export--month = export report 的月份，YYYY-MM
help-export--code = export report 的单位（默认：本节点代码）；各行为其下级单位
help-seed = 为本节点所在县写入确定性的模拟人口（节点须处于停止状态）。绝非真实人员
help-seed--config = 节点的配置文件（liudong.toml）
help-seed--seed = 种子数：相同的种子写出相同的记录
help-seed--households = 生成的户数
help-operator = 网页控制台操作员：添加、列出、删除（见 docs/console.md）
help-operator-add = 添加操作员，或为其设置新密码（从终端读取，或用 --password-stdin 从标准输入读一行）
help-operator-add--config = 节点的配置文件（操作员文件在其数据目录中）
help-operator-add--name = 登录名：字母、数字、'.'、'_' 或 '-'
help-operator-add--code = 账户所属单位：本节点代码（新账户的默认值），或其下的乡镇、村，账户只能查看和录入该单位的人员。已有账户除非指定本项，否则保留原单位
help-operator-add--role = operator（新账户的默认值）或 admin（还可在控制台解锁因登录失败被锁定的账户）。已有账户除非指定本项，否则保留原角色
help-operator-add--password-stdin = 从标准输入读一行作为密码（供脚本使用）
help-operator-list = 列出操作员
help-operator-list--config = 节点的配置文件（liudong.toml）
help-operator-remove = 删除操作员（其会话在下一次请求时结束）
help-operator-remove--config = 节点的配置文件（liudong.toml）
help-operator-remove--name = 操作员的登录名
help-demo = 在本机启动 9 个节点的演示拓扑，把一名流动人员的记录跨两个县传递，报告每条记录到达何处、用时多少
help-demo--dir = 把各节点的存储目录保留在此（默认：临时目录）
help-demo--exchange = 两县之间的交换：grpc（国家级交换节点，默认）或 nats（以三台服务器的 NATS JetStream 集群代替交换节点；需要 nats-server，scripts/setup-test.sh 会安装）

## clap 自带的标题与占位符

help-heading-usage = 用法:
help-heading-commands = 命令
help-heading-arguments = 参数
help-heading-options = 选项
help-value-command = 命令

## 命令行错误（clap 的错误，用操作员的话说）

cli-error-unknown-argument = 不认识的参数“{ $arg }”
cli-error-unknown-command = 没有“{ $name }”这个命令
cli-error-missing-value = { $arg } 缺少取值：请在该选项后写上取值
cli-error-invalid-value = “{ $value }”不是 { $arg } 的有效取值；请查看 --help 中该选项的说明
cli-error-invalid-value-choice = “{ $value }”不是 { $arg } 的有效取值；请写以下之一：{ $valid }
cli-error-missing-required = 缺少必需的参数：{ $arg }
cli-error-missing-command = 需要指定一个命令
cli-error-conflict = { $arg } 不能与 { $other } 同时使用
cli-error-no-equals = { $arg } 的取值须用等号连写，例如 { $arg }=取值
cli-error-value-count = { $arg } 的取值个数不对
cli-error-utf8 = 命令行中含有无效的 UTF-8 字符
cli-error-other = 命令行有误
cli-error-suggestion = ；是不是要写：{ $suggestion }？
cli-error-hint = 查看用法请运行：{ $command } --help

## 全局选项（每个命令都可用）
help-global--lang = 提示信息、表格、表头与台账取值的语言：zh（中文，默认）或 en（英文）（也接受 zh-CN、en-US；默认取 LIUDONG_LANG）
help-global--operator = 执行本命令的操作员姓名，与其查看或写入的内容一起记入审计记录（默认取 LIUDONG_OPERATOR）

## 记录
help-record-add--request-id = 本次写入的编号（1 到 64 个 A-Z a-z 0-9 . _ : - 字符）：用同一编号再次发送同一记录不会重复保存；不写时自动生成，节点应答丢失时会显示出来

## 基准测试
help-bench--exchange-records = 场景 6 中经每种交换方式传送的跨县记录数（默认 20,000）

## 运营方之间的信任
help-trust = 运营方之间（县与交换节点）的信任：导出本节点运营方的 CA 证书和吊销列表作为信任文件，或添加对方的信任文件，无需手工编辑 [tls]（见 docs/operations.md）
help-trust-export = 写出本节点的信任文件：运营方的 CA 证书与证书吊销列表（公开内容，不含私钥）；交换节点还写入县节点要连接的地址
help-trust-export--config = 节点的配置文件（liudong.toml）
help-trust-export--ca-dir = 本节点的 CA 目录（默认：配置文件旁的 ca/）
help-trust-export--url = 对方连接本节点的地址 https://主机:端口（交换节点默认取 [node] listen 中的主机）
help-trust-export--out = 要写出的信任文件
help-trust-export--force = 覆盖已有文件
help-trust-add = 信任某个信任文件的运营方（县节点信任其交换节点，交换节点信任县）：把对方的 CA 证书和吊销列表复制到 tls/，登记到 [tls]，并为尚在等待交换节点的县写入交换节点地址
help-trust-add--config = 节点的配置文件（liudong.toml）
help-trust-add--file = 对方节点用 liudong trust export 写出的信任文件

## JetStream 交换层
help-exchange = JetStream 交换层（见 docs/scale.md）：县的 NATS 密钥，以及交换集群的 nats-server 配置
help-exchange-nats-key = 在县节点（或省级交换节点）上：显示其 NATS 公钥（首次使用时创建密钥 tls/nats.nk，权限 0600），输出“代码 公钥”一行，供交换节点运营方列入 --counties
help-exchange-nats-key--config = 节点的配置文件（liudong.toml）
help-exchange-resend = 在以 JetStream 集群为交换节点、已停止的县节点上：下次启动时把发往交换节点的整个发件箱重新发送（集群的全部服务器连同磁盘丢失之后）。记入审计日志
help-exchange-resend--config = 节点的配置文件（liudong.toml）
help-exchange-nats-stream = 在交换节点上、集群运行后：创建（或更新）数据流和每个县的持久消费者，使用 nats-config 写入 DIR 的管理密钥
help-exchange-nats-stream--config = 交换节点的配置文件（用其 TLS 身份连接服务器）
help-exchange-nats-stream--dir = nats-config 写出的目录
help-exchange-nats-config = 在交换节点上：把 JetStream 集群的 nats-server 配置（每台服务器一个文件、服务器证书、所列每个县的账户与权限）写入 OUT
help-exchange-nats-config--config = 交换节点的配置文件（其 [tls] ca_certs 即各县的 CA）
help-exchange-nats-config--counties = 参与的县：每个县一行“代码 公钥”，即 nats-key 的输出
help-exchange-nats-config--servers = 一台服务器，主机[:客户端端口[:集群端口[:监控端口]]]（默认 4222、6222、8222）；至少三台
help-exchange-nats-config--out = 输出目录（须为新目录）
help-exchange-nats-config--ca-dir = 交换节点的 CA 目录（默认：配置文件旁的 ca/）
help-exchange-nats-config--install-dir = OUT 在服务器上的位置（绝对路径；默认即 OUT）
help-exchange-nats-config--store-dir = 服务器上的 JetStream 存储目录（默认 INSTALL_DIR/jetstream）
help-exchange-nats-config--days = 服务器证书的有效天数
help-exchange-nats-config--max-store-gb = 每台服务器的 JetStream 文件存储上限（GiB）

## clap 附在选项说明后的内容

help-note-default = { "[" }默认：{ $value }]
help-note-possible-values = { "[" }可选值：{ $values }]
