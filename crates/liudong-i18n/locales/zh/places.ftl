# 记录的地点（户籍地、现居住地、原居住地）：写入节点按所依据的记录设定，接收节点核对（liudong-core placing、workflow）。
# Places of a record, set by the writer from the record it follows and checked by receivers.

places-none = 无
places-role-origin = 户籍地
places-role-residence = 现居住地
places-role-previous = 原居住地
# 更正记录的地点与被更正记录不符。
places-correction-differs = { $found } 与所更正记录 { $target } 的{ $role }（{ $expected }）不符：更正只发往被更正记录到过的节点。不填地点即可，写入节点会按被更正记录设定
# 通报反馈记录的地点与所反馈的流入登记不符。
places-ack-differs = { $found } 与所反馈的流入登记 { $inflow } 的{ $role }（{ $expected }）不符：反馈发往登记该流入的现居住地。不填地点即可，写入节点会按流入登记设定
# 更正替换居住地变更时改动了原居住地。
places-amended-previous-differs = 更正不能改动居住地变更记录 { $target } 的原居住地（{ $expected }）：请作废该记录并重新登记居住地变更
# 返回记录所填现居住地与本节点所知不符。
places-return-differs = { $found } 不是本节点所知此人的现居住地 { $current }：返回记录填此人离开的现居住地。不填即可，写入节点会按所知设定
# 居住地变更所填原居住地与本节点所知不符。
places-previous-differs = 原居住地 { $found } 不是本节点所知此人的现居住地 { $current }：不填即可，写入节点会按所知设定
# 未填户籍地。
places-origin-required = 必填：此人户籍地的 12 位村级区划代码（只有更正和通报反馈记录可不填，由所依据的记录设定）
