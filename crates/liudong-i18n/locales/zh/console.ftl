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

## 控制台账户 Console accounts (liudong operator)

console-operator-bad-unit = { $code } 不是区划表中的代码；单位须为本节点的代码或其下乡镇（9 位）、村（12 位）的代码
console-operator-unit-outside = 单位 { $code } 不在本节点（{ $node }）的辖区内；账户只能属于本节点或其下的乡镇、村
console-operator-unknown = 没有名为 { $name } 的控制台账户；`liudong operator list` 可列出全部账户
console-operator-migrated = 提示：账户 { $name } 原无所属单位，已记为本节点 { $node }（全辖区），权限与此前相同
console-operator-added = 已添加控制台账户 { $name }：单位 { $unit }，{ $role ->
        [admin] 管理员
       *[other] 操作员
    }（{ $path }；立即生效，无需重启）
console-operator-changed = 已更新控制台账户 { $name } 的密码：单位 { $unit }，{ $role ->
        [admin] 管理员
       *[other] 操作员
    }（{ $path }；立即生效，无需重启）
console-operator-none = { $path } 中还没有控制台账户；请用 `liudong operator add` 添加
console-operator-line = { $name }  单位 { $unit }  { $role ->
        [admin] 管理员
       *[other] 操作员
    }  添加于 { $added }
console-operator-removed = 已删除控制台账户 { $name }；其会话在下次请求时结束
word-status-unknown = 不详
word-status-at-home = 在户籍地
word-status-out = 已外出
word-status-at-residence = 已在流入地登记
word-check-normal = 正常
word-check-follow-up = 需随访
word-ack-confirmed = 已核实
word-ack-mismatch = 信息不符

## 控制台：框架与通用 The console: frame and common words

console-brand = 流动人口服务管理
console-footer = 本页内容含个人信息，每次查看均已留痕审计。
console-nav-overview = 概况
console-nav-overdue = 逾期事项
console-nav-write = 登记
console-nav-report = 月报
console-nav-nodes = 下级节点
console-nav-accounts = 账户管理
console-logout = 退出
console-none = 无
console-show = 查询
console-save = 保存
console-cancel = 取消
console-back-to-overview = 返回概况
console-citizen-id = 公民身份号码
console-month = 月份
console-residence = 现居住地
console-status = 状态
console-marital = 婚姻状况
console-certificate = 婚育证明
console-presented = 查验的婚育证明编号
console-records = 记录数
console-voided = 作废
console-name-not-held = （本节点无姓名）
console-quarter = { $year } 年第 { $q } 季度

## 登录与会话 Login and sessions

console-login = 登录
console-login-name = 用户名
console-login-password = 密码
console-login-wrong = 用户名或密码错误。
console-login-expired = 登录表单已过期，请重新输入用户名和密码。
console-login-locked = 登录失败次数过多，请 { $minutes } 分钟后再试，或请管理员解锁。
console-session-expired = 会话已过期，请重新登录。
console-form-expired = 表单已过期，请返回重试。
console-operators-unreadable = 操作员文件无法读取，请联系系统管理员（见节点日志）。

## 出错页面 Error pages

console-error-title = 出错了
console-error-no-page = 没有这个页面。
console-error-method = 不支持的请求。
console-error-store = 读取本节点数据失败，请稍后再试；如仍失败请联系系统管理员（见节点日志）。
console-error-bad = 请求有误，请从页面上的链接或按钮进入。
console-error-not-held = 本单位没有要查的记录。

## 概况 Overview

console-card-records = 记录数
console-card-migrants-out = 外出流动人口
console-card-migrants-in = 流入人口
console-card-links = 有同步记录的链路
console-card-link-problems = 同步异常
console-overview-note = 流动人口数为 { $month } 月末数；范围：{ $unit }。
console-find-person = 查询个人

## 个人信息 A person

console-person-title = 个人信息
console-person-not-held = 本单位（{ $unit }）没有此人的记录。请核对公民身份号码；新来的流入人员请用“流入登记”。
console-id-length = 公民身份号码应为 18 位，现为 { $len } 位。
console-id-characters = 公民身份号码前 17 位应为数字，最后一位为数字或 X。
console-id-birth-date = 公民身份号码中的出生日期 { $date } 不是有效日期。
console-id-check-digit = 公民身份号码校验码不对（应为 { $expected }），请核对是否抄错。
console-saved = 已保存：记录 { $records }。
console-sex-born = 性别、出生日期
console-sex-born-value = { $sex }，{ $born }（{ $age } 岁）
console-certificate-valid = { $number }，有效期 { $from } 至 { $until }（今日有效）
console-certificate-invalid = { $number }，有效期 { $from } 至 { $until }（今日无效）
console-certificate-none = 无
console-episodes = 流动经历
console-inflows = 流入登记
console-births = 生育
console-history = 记录历史
console-episode-open = 未返回
console-no-certificate = 未持证（需补办）
console-not-acknowledged = 未反馈
console-col-left = 外出
console-col-arrived = 到达
console-col-residences = 居住地
console-col-returned = 返回
console-col-record = 记录
console-col-arrival = 到达日期
console-col-ack = 反馈
console-col-quarter = 季度
console-col-check-date = 检查日期
console-col-result = 结果
console-col-birth-date = 出生日期
console-col-order = 孩次
console-col-kind = 类型
console-col-event-date = 事件日期
console-col-written = 录入日期
console-col-operator = 录入人
console-col-corrects = 更正对象
console-correct = 更正
console-void = 作废

## 逾期事项 Work lists

console-overdue-all = 全部
console-overdue-summary = 截至 { $today }，{ $unit }（N = { $quarters } 个季度，D = { $cert_days } 天，A = { $ack_days } 天）：共
console-overdue-download = 下载全部（CSV）
console-overdue-bad-kind = 没有“{ $kind }”这类事项。
console-page-prev = 上一页
console-page-next = 下一页
console-page-of = 第 { $page } / { $pages } 页（第 { $first }–{ $last } 项）

## 登记表单 Forms

console-write-for-person = 为此人登记：
console-write-new-inflow = 新的流入登记
console-write-menu-note = 其他登记（反馈、双查报告、出生、居住地变更、返回、更正、作废）请先查到此人，在其个人信息页上选择。
console-write-find-first = 请先查到此人，再填写“{ $form }”。
console-form-ack = 流入反馈
console-form-correct = 更正记录
console-form-void = 作废记录
console-form-fix-fields = 请修改下面标出的项目后再保存。
console-form-no-residence = 此人没有现居住地，不能登记这项记录；请先做流入登记。
console-form-no-episode = 此人目前没有未结束的流动经历（须先有流出或流入登记）。
console-form-outside-unit = 户籍地和现居住地都不在您的单位（{ $unit }）辖区内，不能登记。
console-form-outside-node = 户籍地和现居住地都不在本节点辖区内，本节点不能登记这条记录。
console-form-clock = 本节点时钟有误，暂不能登记；请联系系统管理员。
console-form-refused = 这条记录未通过校验，请核对所填内容。
console-hint-presented = 未持婚育证明的请留空，系统将列入“流入未持证”待补办。
console-inflow-option = { $date } 到达 { $place }（记录 { $record }{ $acked ->
        [yes] ，已反馈
       *[other] {""}
    }）
console-target-option = { $record } { $kind } { $date }
console-correct-fields = 更正后的{ $kind }内容
console-pick-choose = 请选择
console-pick-update = 更新下级选项
console-pick-record = 选定此记录
console-field-arrival-date = 到达日期
console-field-presented = 查验的婚育证明编号
console-field-inflow = 反馈的流入登记
console-field-outcome = 核实结果
console-field-valid-until = 婚育证明有效期至
console-field-note = 备注
console-field-birth-place = 出生地点
console-field-service-number = 生育服务登记号
console-field-change-date = 变更日期
console-field-new-residence = 新的现居住地
console-field-new-address = 新的居住地址
console-field-return-date = 返回日期
console-field-target = 要处理的记录
console-field-reason = 原因
console-field-required = 此项必填。
console-field-too-long = 不能超过 { $max } 个字。
console-field-control = 含有不可见的控制字符，请重新输入。
console-field-future = 日期不能晚于今天。
console-field-bad-date = “{ $typed }”不是有效日期，请按 年-月-日 填写，如 2026-03-01。
console-field-before-quarter = 检查日期不能早于所报季度的第一天。
console-field-order = 孩次应为 1 或以上的整数。
console-field-choose = 请从列表中选择。
console-field-choose-village = 请选到村（居）委会。
console-field-unknown-place = 不是区划表中的地点，请从列表中选择。
console-field-id-mismatch = 与公民身份号码中的性别或出生日期不符。
console-field-not-held = 所选记录尚未到达本节点。
console-field-other-person = 所选记录属于另一个人。
console-field-not-inflow = 所选记录不是流入登记。

## 月报 Monthly report

console-report-ack-days = 反馈时限 { $days } 天
console-report-total = { $unit } 合计
console-report-arrival = 本月流入通报自登记至到达本节点平均 { $days } 天（{ $notices } 条）
console-report-bad-month = 月份“{ $month }”格式不对，应为 年-月，如 2026-03。
console-report-bad-code = 没有单位“{ $code }”，或它不在您的单位（{ $unit }）之内。
console-chart-title = 各月流出与流入
console-chart-outflows = 流出
console-chart-inflows = 流入
console-col-unit = 单位

## 下级节点 Lower nodes

console-nodes-exchange = 交换节点 { $code }
console-nodes-upstream = 上级链路
console-nodes-units = 辖区各单位同步情况
console-nodes-note = 状态取自本节点的同步状态报告，村（居）的状态由其乡镇节点上报并注明上报时间；“无数据”表示该单位未接入或尚无同步记录，“无独立节点”表示该单位声明不设节点（不计为超时未联系）。下级节点超过其预期同步间隔两倍未联系即为“超时未联系”。
console-nodes-villages = { $unit }：村（居）{ $total } 个，有同步数据 { $data } 个，异常 { $problems } 个
console-col-state = 状态
console-col-last-contact = 最近联系
console-col-last-success = 最近成功
console-col-last-failure = 最近失败
console-col-pending-out = 待发送
console-col-pending-in = 待接收
console-col-sessions = 会话数
console-col-last-error = 最近问题
console-state-connected = 在线
console-state-normal = 正常
console-state-failing = 连接失败
console-state-refused = 被拒绝
console-state-silent = 超时未联系
console-state-never = 从未联系
console-state-no-data = 无数据
console-state-no-node = 无独立节点
console-nodes-reported = 由乡镇报告，{ $minutes } 分钟前
console-nodes-reported-now = 由乡镇报告，刚刚
console-link-error-unreachable = 无法连接（网络不通或对方未运行）
console-link-error-denied = 对方拒绝（身份或权限不符）
console-link-error-revoked = 证书已被吊销，需重新签发
console-link-error-timeout = 连接超时
console-link-error-refused-data = 数据被对方拒收（请查看节点日志）
console-link-error-config = 配置或版本不符
console-link-error-limit = 超出对方的限制
console-link-error-other = 同步失败（详见 liudong status）

## 账户管理 Accounts

console-accounts-admin-only = 只有管理员可以管理账户。
console-accounts-note = 账户用 liudong operator add/remove 在节点服务器上添加和删除；此处可解锁因多次登录失败而被锁定的账户。
console-accounts-name = 用户名
console-accounts-role = 角色
console-accounts-added = 添加时间
console-accounts-locked = 已锁定（还剩约 { $minutes } 分钟）
console-accounts-unlock = 解锁
console-accounts-unlocked = 已解锁账户 { $name }。
console-accounts-bad-unit = 单位 { $code } 不在本节点辖区内（账户无法登录）
console-accounts-other-locked = 其他被锁定的用户名
console-role-admin = 管理员
console-role-operator = 操作员

## 工作台及其操作员文件的错误

console-error-bad-name = 操作员名“{ $name }”：应为 1 到 64 个字母、数字、'.'、'_' 或 '-'（不能有空格）
console-error-short-password = 密码至少要有 { $min } 个字符
console-error-random = 系统随机数生成器出错
console-error-hash = 密码加密失败：{ $error }
console-error-damaged = 操作员文件 { $path } 已损坏；请从备份恢复，或删除后重新添加操作员
console-error-tls = [console]：节点的 [tls] 证书无法用于 HTTPS
console-error-needs-tls = [console] listen = { $listen }：工作台需要节点的 [tls] 证书（HTTPS）；没有 [tls]（insecure = true）时只能监听本机回环地址
