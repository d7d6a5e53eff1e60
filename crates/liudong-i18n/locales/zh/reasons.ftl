# 记录校验不通过的原因（liudong-core validate、workflow、placing 的 Reason）：写入记录、导入、同步拒收、控制台都用这里的文字。
# Why a record is refused (liudong-core's Reason): record add, import rejects, sync refusals, the console.

reason-empty = 不能为空
reason-too-long = 不能超过 { $max } 个字
reason-control = 含有不可见的控制字符
reason-not-positive = 应为 1 或以上的整数
reason-author-level = { $code } 是{ $level }代码：记录只能由村（居）、乡镇（街道）或县级节点写入
reason-not-village = { $code } 是{ $level }代码，这里应填 12 位村（居）级区划代码
reason-author-not-above = 写入节点 { $code } 既不管辖此人的户籍地，也不管辖其现居住地
reason-unknown-code = { $code } 不在区划代码表中（国家统计局，数据日期 { $date }）：请填写实际存在的统计用区划代码
reason-birth-in-future = 公民身份号码中的出生日期 { $date } 晚于今天
reason-future = 日期 { $date } 晚于今天
reason-birth-date-mismatch = 出生日期 { $given } 与公民身份号码中的出生日期 { $in_id } 不符
reason-sex-mismatch = 性别与公民身份号码不符（号码的顺序码表示{ $sex }）
reason-not-after-start = 有效期至 { $until } 应晚于有效期起 { $from }
reason-needs-residence = “{ $kind }”记录必须填写现居住地
reason-before-quarter = 检查日期 { $date } 早于所报季度 { $quarter } 的第一天
reason-correction-of-correction = 更正记录不能再用另一条更正来更正
reason-not-held = 本节点没有记录 { $id }
reason-inflow-not-held = 本节点没有流入登记 { $id }
reason-other-person = 记录 { $id } 属于另一个人
reason-not-inflow = 记录 { $id } 是“{ $kind }”记录，不是流入登记
reason-self-correction = 更正记录不能更正它自己
reason-amended-kind = 替换内容是“{ $amended }”，而记录 { $target } 是“{ $target_kind }”记录：替换内容须与被更正记录同类
reason-no-open-episode = 本节点没有此人未结束的流动经历（须先有流出或流入登记，且尚未登记返回）
reason-recorded = 不符合办理规则
reason-level-national = 全国
reason-level-province = 省级
reason-level-prefecture = 地市级
reason-level-county = 县级
reason-level-township = 乡镇（街道）级
reason-level-village = 村（居）级
