# 密封交换层（docs/exchange.md）：密封密钥。

# 对不属于密封交换层的区县节点执行 `liudong key rotate`。
exchange-rotate-not-county = 节点 { $node } 没有密封密钥：只有上级为交换节点且 [exchange] sealed = true 的区县节点才密封记录。请检查配置文件 { $config }。
# `liudong key rotate` 完成。
exchange-rotated = 区县 { $county }：新的密封密钥 { $key } 已启用；保留 { $retired } 个旧密钥，用于打开以旧密钥密封的记录。运行中的节点会在数秒内公布新密钥；其他区县收到公布后即改用新密钥密封。
