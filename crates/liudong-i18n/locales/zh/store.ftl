# 数据库（liudong-store）：读写节点数据目录时可能出现的问题。

store-io = 数据库读写错误：{ $error }；请检查数据目录是否存在、是否可写、磁盘是否有剩余空间
store-engine-io = 读写错误：{ $error }
store-conflict = 记录 { $id } 已存在且内容不同（编号重复冲突）；本批数据一条也没有保存
store-invalid = 记录 { $id }：{ $error }
store-invalid-in-batch = 本批第 { $index } 条草稿（将成为记录 { $id }）：{ $error }；本批数据一条也没有写入
store-corrupt = 数据库已损坏：{ $detail }；请从备份恢复数据目录，或从上级重新同步
store-wrong-node = 数据目录属于节点 { $found }，不是 { $expected }；请把 data_dir 指向本节点自己的目录
