# 节点部署（liudong-ops）：init、enrol、ca、信任文件、seed。

ops-unknown-division = 区划代码 { $code } 不在内置的区划表中（国家统计局，{ $date }）；请检查代码：{ $level }代码有 { $digits } 位，且必须真实存在
ops-exists = { $path } 已存在；{ $hint }
ops-exists-ca = CA 只创建一次（要新建 CA 请换一个 --dir）
ops-exists-certificate = 请签发到一个空目录（如果是替换旧证书，请先吊销旧证书）
ops-exists-force = 不会覆盖它（要替换请加 --force）
ops-exists-config = 不会覆盖节点的配置（要替换请加 --force，或换一个 --dir）
ops-exists-jetstream = 请把配置写到一个新目录（在集群改用新配置之前保留旧目录）
ops-exists-trust-file = 不会覆盖它（请加 --force，或换一个 --out）
ops-io-read = 无法读取 { $path }
ops-io-write = 无法写入 { $path }
ops-io-create-dir = 无法创建目录 { $path }
ops-io-replace = 无法替换 { $path }
ops-io-mode = 无法设置 { $path } 的权限
ops-io-other = 无法{ $action } { $path }
ops-current-dir = 无法读取当前目录
ops-random = 系统随机数生成器出错；没有签发任何内容
ops-not-issued-here = { $what } 不是由 { $dir } 中的 CA（{ $ca } 的 CA）签发的；请用签发它的 CA 吊销
ops-crl = 证书吊销列表 { $path }：{ $what }；它必须是本 CA 签名的吊销列表（由 `liudong ca init` 写入、`liudong ca revoke` 更新）：请从 CA 的备份恢复
ops-crl-not-pem = 不是 PEM 格式的证书吊销列表：{ $error }
ops-crl-parse = 无法解析：{ $error }
ops-crl-not-signed = 它不是由本 CA（{ $code }）签名的
ops-crl-no-number = 它没有可以接续的吊销列表编号
ops-certificate-of = 证书 { $fingerprint }（节点 { $code }）
ops-not-pem-certificate = 不是 PEM 格式的证书
ops-generated = 生成的记录 { $id }：{ $error }
ops-file-error = { $path }：{ $e }
ops-context-ca = { $dir } 中的 CA
ops-context-creating-ca = 在 { $dir } 中创建 CA
ops-context-issuing-hub = 为县级中心签发证书
ops-context-enrol-file = 入网文件 { $file }
ops-context-enrol-file-field = 入网文件：{ $field }
ops-context-trust-file-field = 信任文件：{ $field }
ops-trust-file = 信任文件 { $file }

## liudong init / enrol / ca / trust

ops-listen-address = { $flag } "{ $v }" 不是形如 0.0.0.0:7300 的地址：{ $e }
ops-exchange-children-value = --exchange-children "{ $other }"：应为 county 或 province
ops-exchange-children-not-exchange = --exchange-children 只用于交换节点（代码为 CN、2 位或 4 位）
ops-admin-listen-loopback = --admin-listen { $v }：管理服务只能监听本机回环地址（127.0.0.1）
ops-needs-enrolment = { $code }（{ $name }）是{ $kind }：它的密钥、证书和设置由其县级中心提供。请在县级中心执行 `liudong enrol --config liudong.toml --code { $code } --out { $code }.enrol`，把文件带到这里，再执行 `liudong init --enrol { $code }.enrol`
ops-upstream-code-needs-url = --upstream-code 需要同时给出 --upstream-url（该节点的地址）
ops-upstream-url-https = --upstream-url "{ $url }"：所有链路都使用双向 TLS，地址应为 https://主机:端口
ops-trust-ca-own = --trust-ca { $f }：这是 { $code } 自己的 CA；请给出对方管理员的 CA 证书
ops-ca-dir-other-code = { $ca_dir } 中的 CA 属于 { $code }，不是 { $code2 }；请换一个 --ca-dir
ops-enrol-not-county = { $code } 是{ $kind }节点；入网文件由县级中心签发，其 CA 为所辖乡镇和村签发证书。县自己运行 CA：请改为与它们交换 CA 证书（见 docs/operations.md）
ops-enrol-no-parent = --code { $code }：乡镇或村的代码应有上级
ops-enrol-code-level = --code { $code } 是{ $level }代码；县级中心只为所辖乡镇（9 位）和村（12 位）办理入网
ops-enrol-outside = --code { $code } 不在本中心的辖区内：县 { $county } 只为以 { $county } 开头的代码办理入网（其 CA 不能为其他节点签发证书，对方也会拒绝这样的证书）
ops-days = --days { $days }：应为 1 到 3650
ops-url-for-child-missing-township = 缺少 --url-for-child：本中心监听在 { $listen }，乡镇无法用这个地址连接；请给出乡镇访问本中心的地址，例如 https://county-hub.example:{ $port }
ops-url-for-child-missing-village = 缺少 --url-for-child：村 { $code } 要连接其乡镇 { $upstream }；请给出乡镇的地址，例如 https://township-{ $upstream }.example:7300
ops-url-for-child-https = --url-for-child "{ $url }"：所有链路都使用双向 TLS，地址应为 https://主机:端口
ops-ca-dir-other-county = { $ca_dir } 中的 CA 属于 { $code }，不是本中心所在的县 { $county }
ops-enrol-file-exists = { $out } 已存在；不会覆盖入网文件（请加 --force，或换一个 --out）
ops-enrol-file-not-lower = 入网文件 { $file }：节点 { $code } 不是乡镇或村
ops-trust-ca-other = { $ca_dir } 中的 CA 属于 { $code }，不是本中心的 { $code2 }
ops-trust-url-https = --url "{ $u }"：所有链路都使用双向 TLS，地址应为 https://主机:端口

## 入网文件

enrol-not-enrolment = 不是流动人口系统的入网文件（没有 `{ $header }` 这一行）；请使用 `liudong enrol` 生成的文件
enrol-newer = 格式版本 { $version } 比本程序能读取的版本（{ $ours }）新；请安装与县级中心相同版本的 liudong
enrol-older = 格式版本 { $version } 由较旧的 liudong 生成（本程序读取版本 { $ours }）；请县级管理员用当前版本重新办理入网（`liudong enrol ... --force`）
enrol-header = 文件头已损坏（{ $error }）；请向县级管理员索取新文件
enrol-truncated = 文件不完整：文件头之后只有 { $got } 字节，应有 { $want } 字节；请重新复制（或向县级管理员索取新文件）
enrol-checksum = 文件已损坏：内容与文件头中的校验和不符；请重新复制（或向县级管理员索取新文件）
enrol-json = 无法读取文件内容（{ $error }）；请向县级管理员索取新文件

## liudong init / enrol：完成后的摘要和下一步
ops-next-steps = 下一步：
ops-setup-hub =
    已在 { $dir } 建立{ $kind } { $code }（{ $name }）：
    { "  " }配置文件  { $config }
    { "  " }数据目录  { $data }
    { "  " }节点证书  { $cert }（{ $fingerprint }）
    { "  " }节点私钥  { $key }（权限 0600）
    { "  " }运营方 CA { $ca }（ca.key 权限 0600；证书吊销列表 { $crl }）
ops-setup-enrolled =
    已按县 { $county } 的入网文件（{ $issued_on }）在 { $dir } 建立{ $kind } { $code }（{ $name }）：
    { "  " }配置文件  { $config }
    { "  " }数据目录  { $data }
    { "  " }节点证书  { $cert }（{ $fingerprint }）
    { "  " }节点私钥  { $key }（权限 0600）
    { "  " }上级节点  { $upstream }，地址 { $url }
ops-step-review = 检查 { $config }：每个选项都有注释（说明见 docs/operations.md）。
ops-step-keep-ca-key = 妥善保管 { $key }：它是为 { $code } 所有节点签发证书的 CA 私钥。请离线备份（docs/operations.md“备份”）。
ops-step-copy-crl = 每次运行 `liudong ca revoke --dir { $ca }` 后，把 { $crl } 复制到 { $to }（本枢纽一秒内重新读取），并复制给保存副本的节点（docs/operations.md 第 8 节）。
ops-step-start = 启动节点：`liudong serve --config { $config }`，或用 config/liudong.service 作为系统服务运行（docs/operations.md）。
ops-step-enrol-children = 为每个乡镇签发：`liudong enrol --config { $config } --code <9 位代码> --url-for-child https://<本机地址>:{ $port } --out <代码>.enrol`；村用 --url-for-child https://<所属乡镇的地址>:7300。每个文件都要人工送到对应的机器上。
ops-step-check = 检查节点：`liudong status --config { $config }`。
ops-step-delete-enrol = 删除入网文件 { $file } 及其所有副本：其中有本节点的私钥，现已保存在 { $key }。
ops-step-check-upstream = 检查能否连到上级节点 { $upstream }（{ $url }）：`liudong status --config { $config }`（看链路 { $upstream } 一行的最近成功时间）。
ops-step-keep-crl = 保持 { $crl } 为最新：{ $hint }
ops-step-villages = { $code } 下的村连接本节点的 { $listen }；由县级运营方为它们签发（`liudong enrol --code { $code }NNN --url-for-child https://<本机地址>:<端口>`）。
ops-listen-unknown = 其监听地址
ops-enrol-revocation-hint = 它是县级 CA 证书吊销列表的副本（在县级枢纽上为 { $crl }）；县级运营方每次吊销证书后，用最新文件替换它（节点一秒内重新读取）。该证书在枢纽上保存为 { $kept }；吊销它：liudong ca revoke --dir { $ca } --cert { $kept }
ops-enrol-written =
    已写入{ $kind } { $code }（{ $name }）的入网文件：{ $out }（权限 0600）
    { "  " }证书 { $fingerprint } 由 CA { $county } 签发，有效期 { $days } 天；副本保存在 { $kept }
    { "  " }它连接上级节点 { $upstream }，地址 { $url }
ops-enrol-step-carry = 该文件含有节点的私钥：请人工携带（U 盘），不要通过电子邮件或聊天工具发送；解开后删除所有副本。
ops-enrol-step-init = 在{ $kind }的机器上运行：`liudong init --enrol { $file } --dir /etc/liudong --data-dir /var/lib/liudong`，然后启动节点。
ops-enrol-step-nothing = 本枢纽无需改动：它信任本 CA 在 { $county } 下签发的所有证书。节点运行后用 `liudong status --config { $config }` 检查链路。
ops-context-ca-elsewhere = { $dir } 中的 CA（如 CA 保存在别处，请用 --ca-dir 指定）
ops-trust-added-config-bad = 加入信任后的配置无法加载；未做任何改动
