# 记录编号、伪造作者与存储损坏、恢复（issue 14 第 1、3、4 项）。
# Record ids, forged authorship, damaged stores and recovery (issue 14, items 1, 3, 4).

# A received record whose sequence number is beyond what any node's clock allows.
record-seq-beyond-limit = 序号 { $seq } 超出了当前时钟允许的上限 { $limit }（序号随写入节点的时钟增长，允许的偏差见 [sync] max_skew_secs）；该记录是伪造的或写入节点的时钟错误，未予接收

# The store's files are damaged; $detail says what the engine found.
store-damaged = 数据目录 { $path } 中的存储已损坏（{ $detail }），未做任何改动。请停止本节点，运行 `liudong recover --config <本节点的配置文件>`：它把损坏的存储移到一旁，从上级节点重建本节点的全部记录并用核对（verify）证明完整；或按 docs/operations.md 从备份恢复

# Details of a damaged store (inside store-damaged).
store-damaged-empty = 该目录曾保存节点 { $node } 的存储（上次写盘时日志到 { $log }），现在读不出任何内容
store-damaged-shorter = 上次写盘时日志已到 { $flushed }，现在只读出到 { $found }
store-engine-failed = 存储引擎读取文件时出错：{ $what }

# A peer sent a record in this node's own name that this node does not hold.
refused-forged-author = 记录 { $id } 以本节点的名义写成，但本节点并不持有它（来自 { $peer }）：本节点的记录只能由本节点自己写入，因此拒收并记入审计日志。如果本节点丢失了记录（数据目录被清空或从备份恢复），请运行 `liudong recover`，从上级节点取回本节点写过的记录

# liudong recover: refusals.
recover-node-running = 节点 { $node } 正在运行：请先停止它（systemctl stop liudong），再运行 `liudong recover`
recover-no-upstream = 节点 { $node } 没有上级节点（[upstream]），无从恢复：请从备份恢复它的数据目录（docs/operations.md）
recover-set-aside-failed = 无法把损坏的存储从 { $from } 移到 { $to }：请检查该目录可写，或手工移走其中的 conf、db、blobs 与 snap.* 后再运行 `liudong recover`
recover-upstream-failed = 恢复在与上级节点 { $upstream }（{ $url }）{ $step ->
        [sync] 同步
       *[verify] 核对
    } 时失败；已取回的记录都已保存，请在连接恢复后再次运行 `liudong recover`

# liudong recover: what it did.
recover-found-damaged = 存储已损坏（{ $detail }）：已移到 { $to }（{ $moved }），在原处新建存储；确认恢复无误后可删除该目录
recover-found-opened = 存储可以打开（{ $records } 条记录）：保留并补全
recover-synced = 与上级节点 { $upstream } 同步：取回 { $pulled } 条记录，推送 { $pushed } 条
recover-repaired = 核对修复：又取回 { $fetched } 条记录（含本节点写过的记录），上级节点新收 { $offered } 条
recover-author-seq = 本节点写过的记录的最大序号：{ $before } → { $after }（此后的新记录序号都更大）；现存 { $records } 条记录
recover-receipt-in-step = 核对凭据：截至 { $at } 与 { $upstream } 一致，游标 { $cursor }，指纹 { $fingerprint }
recover-receipt-not-in-step = 核对凭据：与 { $upstream } 不一致（本节点指纹 { $here }，上级 { $there }；不同之处：{ $differing }）；请运行 `liudong verify --repair` 查看冲突的记录
recover-not-in-step = 节点 { $node } 恢复后仍与 { $upstream } 不一致（见上）

# liudong verify: records in this node's own name that only the upstream holds.
verify-own-records-missing = 上级节点持有 { $records } 条以本节点名义写成、而本节点没有的记录（数据目录被清空或从备份恢复？）：核对修复不会取回它们；请停止本节点并运行 `liudong recover`
