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
