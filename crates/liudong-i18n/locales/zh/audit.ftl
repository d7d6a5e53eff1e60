# liudong audit 的文字形式（每条审计记录一行）。
# The text form of `liudong audit` (one line per entry).

audit-none = 没有符合条件的审计记录
audit-cert = { " " }证书 { $fingerprint }
audit-live = { " " }（实时）
audit-session = 同步会话（{ $role }）{ $peer }{ $live }{ $cert }：发出 { $sent } 条记录（{ $subjects_sent } 人），收到 { $received } 条（{ $subjects_received } 人）：{ $outcome }
audit-disclosed = 发给 { $peer }{ $cert }：{ $records } 条记录，涉及 { $subjects } 人
audit-refused = 已拒绝 { $peer }{ $addr }{ $cert }：{ $reason }
audit-unknown-peer = 未知节点
audit-from = { " " }来自 { $addr }
audit-written = 操作员 { $operator } 写入了 { $record }（{ $kind }）
audit-imported = 从 { $source } 导入 { $records } 条记录
audit-resent = 操作员 { $operator } 让本节点把发往 { $peer } 的发件箱重新发送（游标从 { $from } 回到 0，共 { $records } 个信封）
audit-viewed = 操作员 { $operator } 查看了 { $query }（显示 { $subjects } 人）
audit-role-served = 作为上级
audit-role-dialled = 作为下级
audit-outcome-ok = 正常结束
audit-source-bundle = 来自 { $from } 的数据包
audit-source-repair-fetched = 核验修复（从上级获取）
audit-source-repair-offered = 核验修复（由 { $peer } 提供）
audit-source-recover = 数据恢复（从上级获取）
audit-source-jetstream = JetStream 交换集群（发往本县的信封）
