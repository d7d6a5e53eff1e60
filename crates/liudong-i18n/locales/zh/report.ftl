# liudong report 的月报（表格、CSV）以及导出的月报表：列名、合计、标题。
# The monthly report of `liudong report` and its export: column labels, total, title.

report-col-unit = 单位
report-col-name = 名称
report-col-births = 出生数
report-col-boys = 男婴
report-col-girls = 女婴
report-col-sex-ratio = 出生性别比
report-col-population = 户籍人口
report-col-birth-rate = 出生率‰
report-col-birth-rate-annual = 年化出生率‰
report-col-marriages = 新婚
report-col-married-women = 已婚育龄妇女
report-col-outflows = 流出登记
report-col-inflows = 流入登记
report-col-migrants-out = 流出在外
report-col-migrants-in = 流入在册
report-col-cert-rate = 办证率%
report-col-feedback-rate = 通报反馈率%
report-col-check-rate = 双查到位率%
report-col-ack-days-avg = 反馈平均天数
report-total = { $name } 合计
report-title = 月报 { $month } { $name }（{ $code } 反馈时限 { $days } 天）
report-arrival = 本月流入通报自登记至到达本节点平均 { $days } 天（{ $notices } 条）
