# 控制台、工作清单（逾期事项）与控制台账户的文案。
# The web console, the work list (overdue lists) and console accounts.

## 工作清单 The work list (liudong overdue, export overdue, the console)

worklist-col-kind = 事项
worklist-col-village = 村（居）
worklist-col-due = 应办日期
worklist-col-name = 姓名
worklist-col-sex = 性别
worklist-col-age = 年龄
worklist-col-subject = 公民身份号码
worklist-col-phone = 联系电话
worklist-col-address = 现居住地址
worklist-col-employer = 工作单位
worklist-col-certificate = 婚育证明编号
worklist-col-origin = 户籍地
worklist-col-detail = 说明
worklist-kind-missing-checks = 双查报告缺报
worklist-kind-certificate = 婚育证明过期/将过期
worklist-kind-no-certificate = 流入未持证
worklist-kind-unacknowledged = 通报未反馈
worklist-kind-held = 待补信息
worklist-detail-missing-checks = 连续 { $quarters } 个季度未报双查（{ $from } 至 { $to }）
worklist-detail-certificate-expired = 婚育证明 { $number } 已于 { $date } 过期
worklist-detail-certificate-expiring = 婚育证明 { $number } 将于 { $date } 到期（还有 { $days } 天）
worklist-detail-no-certificate = { $date } 流入登记时未持婚育证明，需补办（已 { $days } 天）
worklist-detail-unacknowledged = 流入通报 { $record } 于 { $date } 登记，已 { $days } 天未反馈
worklist-held-detail = 记录 { $record }（{ $kind }）暂存待补：{ $reason }
worklist-held-inflow = 所反馈的流入登记尚未到达本节点
worklist-held-target = 所更正的记录尚未到达本节点
worklist-held-episode = 本节点尚无此人未结束的流动经历（流出或流入登记尚未到达）
worklist-summary = 节点 { $node }（{ $unit }），截至 { $today }：逾期事项 { $items } 项，待补信息 { $held } 条（N = { $quarters } 个季度，D = { $cert_days } 天，A = { $ack_days } 天）

## 记录类型与常用词 Record kinds and words

record-kind-person-registered = 人员登记
record-kind-marriage-registered = 婚姻登记
record-kind-outflow-registered = 流出登记
record-kind-certificate-issued = 婚育证明
record-kind-inflow-registered = 流入登记
record-kind-inflow-acknowledged = 流入反馈
record-kind-check-reported = 双查报告
record-kind-birth-registered = 出生登记
record-kind-residence-changed = 居住地变更
record-kind-returned = 返回户籍地
record-kind-correction = 更正
word-male = 男
word-female = 女
word-marital-unknown = 不详
word-single = 未婚
word-married = 已婚
word-divorced = 离婚
word-widowed = 丧偶
