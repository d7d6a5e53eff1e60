# 命令行各命令的输出（liudong record/sync/verify/person/bundle/ca/seed/operator 等），帮助文本除外。

## liudong person show

person-head = { $subject }  { $name }
person-name-not-held = （本节点未保存姓名）
person-basics = 性别 { $sex }，出生日期 { $born }，婚姻状况 { $marital }{ $married }
person-married-on = （{ $date } 结婚）
person-status = 状态 { $status }；流出地 { $origin }；居住地 { $residence }
person-certificate = 婚育证明 { $number }，有效期 { $from } 至 { $until }（{ $today } { $valid ->
    [yes] 有效
   *[no] 无效
}），来自记录 { $record }
person-certificate-none = 婚育证明：暂无
person-episode = 第 { $n } 次流动：{ $left } 离开（{ $outflow }），{ $arrived } 到达（{ $inflow }），居住地 [{ $residences }]，{ $returned }
person-episode-open = 尚未返回
person-returned-on = { $date } 返回
person-inflow = 流入登记 { $id }：{ $date } 到 { $residence }，婚育证明 { $certificate }，{ $ack }
person-certificate-missing = 无（需补办）
person-ack = 已由 { $record } 反馈（{ $outcome }）
person-not-acknowledged = 未反馈
person-record = 记录 { $id } { $kind } { $date }：{ $written } 由 { $operator } 填写{ $corrects }
person-corrects = ，更正 { $record }
person-checks = 双查报告：{ $checks }
person-birth = 生育 { $date } { $sex }，第 { $order } 孩（{ $id }）
person-counts = 共 { $records } 条记录，{ $voided } 条已作废
person-held = 待补信息 { $id }（{ $kind }）：{ $issue }

## liudong record add / sync --once / verify

record-add-written = 已写入 { $id }（hlc { $hlc }）
sync-complete = 同步完成：上传 { $pushed } 条记录，下载 { $pulled } 条新记录
verify-head = 核验 { $scope }，对照上级 { $upstream }
verify-local-audit = { "  " }本地检查：缺少 { $missing } 条记录，{ $corrupt } 条已损坏（已移除，以便修复时恢复）
verify-differs = { "  " }不一致：{ $bucket }：本节点 { $here }，上级 { $there }；本节点缺少 { $missing_here }，上级缺少 { $missing_there }，冲突 { $conflicting }
verify-repaired = { "  " }已修复：获取 { $fetched } 条记录，提供 { $offered } 条（上级新增 { $new } 条）
verify-fingerprints = { "  " }{ $in_step ->
    [yes] 一致
   *[no] 不一致
}：本节点指纹 { $local }，上级指纹 { $remote }
verify-not-in-step = { $node } 与 { $upstream } 不一致；请运行 `liudong verify --repair`
verify-not-in-step-after-repair = 修复后 { $node } 与 { $upstream } 仍不一致（见上面列出的冲突记录）
verify-source-equal = { "  " }来自 { $source }：完整——{ $received } 个信封，与其送达证明一致
verify-source-ahead = { "  " }来自 { $source }：完整——本县有 { $received } 个信封，其送达证明记 { $sent } 个（证明早于最新的信封）
verify-source-in-flight = { "  " }来自 { $source }：{ $sent } 个信封中有 { $missing } 个尚未到达，本县队列中仍有消息：传送中，请稍后再核验
verify-source-missing = { "  " }来自 { $source }：缺少 { $sent } 个信封中的 { $missing } 个（本县 { $received } 个）；请县 { $source } 运行 `liudong exchange resend` 重新发送
verify-source-missing-ids = { "  " }来自 { $source }：缺少 { $sent } 个信封中的 { $missing } 个（本县 { $received } 个）：{ $ids }；请县 { $source } 运行 `liudong exchange resend` 重新发送
verify-source-no-proof = { "  " }来自 { $source }：本县有 { $received } 个信封，但 { $source } 尚未公布送达证明
verify-source-refused = { "  " }来自 { $source }：送达证明被拒绝：{ $reason }
verify-in-flight = { "  " }交换集群上本县队列中仍有 { $count } 条发往本县的消息
verify-not-in-step-cluster = { $node } 无法证明已收到各县经 { $upstream } 发给它的全部记录（见上文）
verify-cluster-stopped = { $node } 通过运行中的节点对照 JetStream 集群核验（经其连接读取送达证明，并用其持有的密钥校验）：请先启动节点，再运行 `liudong verify`

## liudong bundle export / import

bundle-written = 发给 { $to } 的数据包：{ $records } 条记录（发件序号 { $since }..{ $upto }]，{ $bytes } 字节，已写入 { $path }
bundle-file-refused = 数据包 { $path } 被拒绝
bundle-nothing-new = 来自 { $from } 的数据包已导入过，或比本节点已有的数据旧：没有任何变化（进度 { $cursor }）
bundle-imported = 来自 { $from } 的数据包：{ $records } 条记录，新增 { $new } 条，已有 { $duplicate } 条；进度 { $cursor }{ $advanced ->
    [yes] {""}
   *[no] （进度未前进：此数据包接在本节点尚未收到的数据之后；请先导入更早的数据包）
}

## liudong ca init / issue / revoke, liudong seed

ca-created = 已在 { $dir } 中创建 { $code } 的 CA：{ $cert }（发给所有需要信任它的节点）、{ $key }（权限 0600，请离线保管）、{ $crl }（其证书吊销列表，目前为空；节点在 [tls] crls 中填写它）
ca-issued = 已由 CA { $ca } 为节点 { $code } 签发证书：{ $files }
    指纹 { $fingerprint }
ca-revoked = 已吊销节点 { $code } 的证书 { $fingerprint }（序列号 { $serial }，原因 { $reason }）：证书吊销列表 { $crl } 已重新签名（吊销列表编号 { $number }，共吊销 { $count } 个）
    凡在 [tls] crls 中填写了此文件的节点，都会在一秒内重新读取；请把它复制到保存副本的节点（乡镇和村：tls/{ $file }；见 docs/operations.md 第 8 节）
ca-already-revoked = { $fingerprint }（节点 { $code }）已在 { $crl } 中吊销过（吊销列表编号 { $number }）；没有任何变化
seed-done = 已在节点 { $node } 生成 { $records } 条记录，涉及 { $people } 人（{ $households } 户，种子 { $seed }）；节点运行时会同步到上级

## liudong operator、启动

operator-password-stdin = 从标准输入读取密码失败
operator-password-prompt = { "密码：" }
operator-password-again = { "再输入一次密码：" }
operator-password-terminal = 从终端读取密码失败（脚本中请使用 --password-stdin）
operator-passwords-differ = 两次输入的密码不一致；没有做任何修改
cli-runtime = 无法启动异步运行时
