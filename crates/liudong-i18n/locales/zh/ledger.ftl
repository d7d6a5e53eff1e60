# 台账导入导出（liudong import / liudong export，crates/liudong-ledger）。
# Ledger import and export messages.

## 列与表头

ledger-column-name = { $letter } 列（{ $header }）
ledger-either-column = { $first }或{ $second }
ledger-list-separator = 、
ledger-no-column = { $header }（表中无此列）

## 单元格的值

ledger-value-date = “{ $text }”不是日期：请写成 2026-03-05、2026/3/5、2026年3月5日，或只写年月 2026年3月
ledger-value-date-unreal = “{ $text }”不是实际存在的日期
ledger-value-sex = “{ $text }”：性别应为“男”或“女”
ledger-value-marital = “{ $text }”：婚姻状况应为未婚、已婚（初婚/再婚/复婚）、离婚或丧偶
ledger-value-hukou = “{ $text }”：户口性质应为“农业”或“非农业”
ledger-value-purpose = “{ $text }”：外出原因应为务工、经商或其他
ledger-value-count = “{ $text }”：应为整数（0 或以上）
ledger-required = 必填，但为空
ledger-text-long = 超过 { $max } 个字
ledger-text-control = 含有控制字符（换行、制表符等），请删去
ledger-date-future = { $date } 晚于今天；日期不能在将来

## 身份证号码

ledger-id-numeric = 该单元格存的是数字“{ $text }”而不是文本：Excel 的数字只保留 15 位有效数字，身份证号码的后几位已经丢失，无法从表格中找回（即使校验位恰好相符也不能使用）。请把该列单元格格式设为“文本”，再对照户口簿或身份证重新录入完整的 18 位号码（也可在号码前加英文单引号 '）
ledger-cell-numeric = 该单元格存的是 16 位以上的数字“{ $text }”：Excel 只保留 15 位有效数字，后几位已经丢失。请把该列单元格格式设为“文本”后重新录入
ledger-id-length = “{ $text }”有 { $len } 位；公民身份号码应为 18 位
ledger-id-characters = “{ $text }”：公民身份号码前 17 位应为数字，最后一位为数字或 X
ledger-id-birth = “{ $text }”中的出生日期 { $date } 不存在；请对照身份证核对号码
ledger-id-check = “{ $text }”的校验位不符：号码中有录错的数字。请对照身份证逐位核对全部 18 位（不要只改最后一位）
ledger-id-birth-future = 号码中的出生日期 { $date } 晚于今天
ledger-birth-mismatch = 出生日期 { $date } 与公民身份号码中的 { $id_date } 不符
ledger-sex-mismatch = 性别“{ $sex }”与公民身份号码不符（第 17 位单数为男，双数为女）

## 区划代码与地址

ledger-code-format = “{ $text }”不是区划代码：村（居）委会的统计用区划代码是 12 位数字（这里是 { $digits } 位）；没有代码时可填写地址
ledger-code-level = { $code } 是{ $level }代码；这里需要 12 位的村（社区）代码，或填写到村（社区）的地址
ledger-code-unknown = { $code } 不在区划代码表（国家统计局，截至 { $date }）中；请核对代码，或改填地址
ledger-origin-missing = 户籍地代码和户籍地址都为空：请填写其中一项
ledger-inflow-residence = 有流入日期就必须有现居住地：请填写现居住地代码或现居住地址
ledger-place-mismatch = 地址“{ $address }”是 { $named }，与{ $column }的 { $given } 不一致；请改正其中一项
ledger-outside-node = 户籍地和现居住地都不在本节点辖区 { $node } 内；请在户籍地或现居住地所在的节点导入这一行
ledger-candidate = { $name }（{ $code }）
ledger-candidate-separator = ；
ledger-level-national = 全国
ledger-level-province = 省级
ledger-level-prefecture = 地市级
ledger-level-county = 县级
ledger-level-township = 乡镇（街道）级
ledger-level-village = 村（社区）级
ledger-address-empty = 地址中没有地名
ledger-address-unknown = 无法识别地址“{ $text }”：请写明乡镇（街道）和村（社区）的名称；外地地址请从省或市写起
ledger-address-unknown-near = 无法识别地址“{ $text }”，相近的有：{ $candidates }；请核对名称，或直接填写区划代码
ledger-address-outside = 地址“{ $text }”不在本辖区 { $within } 内：外地地址须从省或市写起。可能是：{ $candidates }
ledger-address-ambiguous = 地址“{ $text }”可指多处：{ $candidates }；请写明所属乡镇（街道），或直接填写区划代码
ledger-address-incomplete = 地址“{ $text }”只写到{ $level }：{ $named }，没有写明村（社区）
ledger-address-incomplete-rest = 地址“{ $text }”只写到{ $level }：{ $named }；“{ $rest }”不是其下的村（社区）
ledger-address-incomplete-near = 地址“{ $text }”只写到{ $level }：{ $named }；“{ $rest }”不是其下的村（社区），相近的有：{ $candidates }

## 各列之间的关系

ledger-certificate-number = 有发证日期或有效期至时必须填写婚育证明编号
ledger-certificate-dates = 婚育证明须同时填写发证日期和有效期至
ledger-certificate-alone = 婚育证明编号须与发证日期和有效期至（办证）或流入日期（流入时出示的证明）一起填写
ledger-needs = 只有填了{ $column }才会记录此项：请填写{ $column }，或清空本格
ledger-valid-order = 有效期至 { $until } 应晚于发证日期 { $from }
ledger-rule = { $kind }不符合记录规则：{ $reason }

## 记录种类与取值

ledger-kind-person = 人员登记
ledger-kind-marriage = 婚姻登记
ledger-kind-outflow = 流出登记
ledger-kind-certificate = 婚育证明
ledger-kind-inflow = 流入登记
ledger-kind-acknowledged = 流入通报反馈
ledger-kind-check = 双查报告
ledger-kind-birth = 出生登记
ledger-kind-residence-changed = 变更现居住地
ledger-kind-returned = 返回户籍地
ledger-kind-correction = 更正
ledger-kind-count = { $kind } { $count } 条
ledger-sex-male = 男
ledger-sex-female = 女
ledger-marital-single = 未婚
ledger-marital-married = 已婚
ledger-marital-divorced = 离婚
ledger-marital-widowed = 丧偶
ledger-status-unknown = 未知
ledger-status-at-home = 在户籍地
ledger-status-out = 流出在外
ledger-status-in = 在流入地
ledger-yes = 是
ledger-no = 否

## 导入时的输出

ledger-note = 提示：{ $message }
ledger-note-gbk = 文件是 GBK 编码（旧版 Excel 的“CSV (逗号分隔)”），已按 GBK 读取。为确保每个字都读对，下次请另存为“CSV UTF-8 (逗号分隔)”或 .xlsx
ledger-note-first-sheet = 只读取第一个工作表（{ $sheet }）
ledger-note-header = 表头在第 { $rows } 行；其上 { $above } 行（标题等）不导入
ledger-note-unused = 以下列不导入（没有对应的字段）：{ $columns }
ledger-note-ignored = 以下列按 --map 忽略：{ $columns }
ledger-note-map-unmatched = --map 中的以下表头在文件中没有找到：{ $headers }
ledger-note-detail = { $rows } 行的现居住地址写有门牌等细节，但该行没有流入日期：只有流入登记记录地址，这些细节不会保存（现居住地代码照常记录）
ledger-row-error = 第 { $row } 行：{ $reason }
ledger-row-column-error = 第 { $row } 行 { $column }：{ $reason }
ledger-more-errors = ……另有 { $count } 处错误未显示（加 --skip-invalid 会把每个被拒收的行及原因写入文件）
ledger-reason = { $header }：{ $reason }
ledger-reason-separator = ；
ledger-rejects-row = 原行号
ledger-rejects-reasons = 错误原因
ledger-rejects-written = { $rows } 行被拒收，已写入 { $path }（原单元格，加“原行号”和“错误原因”两列；改正后可直接再导入该文件）
ledger-dry-resolved = 以下地址已识别为区划代码，请核对：
ledger-dry-row = 行号
ledger-dry-column = 列
ledger-dry-address = 地址
ledger-dry-code = 区划代码
ledger-dry-division = 区划名称
ledger-dry-detail = 门牌等细节
ledger-dry-column-cell = { $letter }（{ $header }）
ledger-dry-records = 将生成：{ $kinds }
ledger-dry-summary = 试运行：读取 { $rows } 行，有效 { $valid } 行（{ $records } 条记录），拒收 { $rejected } 行；没有写入任何数据
ledger-progress-import = 导入
ledger-progress-rows = 行
ledger-progress-done = 写入 { $written } 条记录，已有 { $existing } 条
ledger-resolved-count = 其中 { $count } 个户籍地/现居住地按地址识别为区划代码（加 --dry-run 可逐条核对）
ledger-imported = 已从 { $file } 导入 { $valid }/{ $rows } 行：写入 { $written } 条记录，{ $existing } 条已有（未重复写入），拒收 { $rejected } 行

## 错误

ledger-cause-separator = ：
ledger-err-old-excel = { $path }：不读取旧版 Excel 97-2003 的 .xls 文件；请用 Excel 或 WPS 打开，另存为 .xlsx（Excel 工作簿）或 CSV UTF-8
ledger-err-file-kind = { $path }：应为 .xlsx 或 .csv 文件
ledger-err-read = 无法读取 { $path }
ledger-err-encoding = 文件既不是 UTF-8 也不是 GBK 文本；请在 Excel 中“另存为”→“CSV UTF-8 (逗号分隔)”，或另存为 .xlsx
ledger-err-empty = 文件是空的；第一行（或标题下面的一行）应为表头
ledger-err-csv-row = 第 { $row } 行不是有效的 CSV
ledger-err-workbook = 无法打开工作簿（是 .xlsx 文件吗？）
ledger-err-no-worksheet = 工作簿中没有工作表
ledger-err-worksheet = 无法读取第一个工作表
ledger-err-empty-worksheet = 第一个工作表是空的；应有表头和数据行
ledger-err-no-header = 前 6 行中找不到表头；表头应包含公民身份号码、姓名，以及户籍地代码或户籍地址
ledger-err-read-map = 无法读取列对应文件 { $path }
ledger-err-in-map = 列对应文件 { $path }
ledger-err-map-syntax = 应为 [columns] 表，每行 "表头" = "字段"（见 docs/ledgers.md）
ledger-err-unknown-field = [columns] "{ $header }" = "{ $key }"：没有这个字段；可用的字段：{ $fields }；或写 "ignore"（忽略该列）
ledger-err-duplicate = { $first } 和 { $second } 都是{ $field }；请删去一列，或用 --map 把其中一列设为 "ignore"
ledger-err-missing-columns = 表头（第 { $rows } 行）缺少以下必需的列：{ $missing }；请按 docs/ledgers.md 命名这些列，或用 --map MAP.toml 对应您的表头
ledger-err-header = { $path }：表头
ledger-err-rejects-without-skip = --rejects 须与 --skip-invalid 一起使用（不加 --skip-invalid 时，有错误的文件什么也不导入）
ledger-err-not-author = 本节点（{ $code }）是交换节点，不写记录；请在县、乡镇或村节点导入台账
ledger-err-operator = 操作员为空或含有控制字符；请用 --operator 姓名 指定（或设置 LIUDONG_OPERATOR）
ledger-err-rows-rejected = { $rows } 行中有 { $rejected } 行有错误（见上），没有导入任何数据。请改正后重新导入；或加 --skip-invalid 只导入正确的行（有错的行及原因写入另一个文件）
ledger-err-rejects = 无法写入拒收文件 { $path }
ledger-err-batch = 写入第 { $first }–{ $last } 行时出错；此前已写入 { $written } 条记录（再次导入同一文件会跳过它们）
ledger-err-month-missing = 导出月报须加 --month YYYY-MM
ledger-err-report-only = --month 和 --code 只用于导出月报（export report）
ledger-err-page-stuck = 节点返回的分页没有前进（{ $next }）
ledger-err-too-many-rows = { $rows } 行超出一个 Excel 工作表的容量；请导出为 .csv
ledger-err-create-file = 无法在 { $dir } 中创建文件
ledger-err-persist = 无法写入 { $path }
ledger-err-xlsx = 无法生成 .xlsx 文件
ledger-err-csv = 无法生成 CSV 文件
ledger-err-io = 读写文件出错

## 导出

ledger-progress-export = 导出人员
ledger-progress-persons = 人
ledger-progress-read-done = 读取完毕
ledger-progress-write = 写出
ledger-exported = 已导出 { $rows } 行到 { $file }
ledger-exported-audited = 已导出 { $rows } 行到 { $file }（导出的人员已记入审计日志）
ledger-sheet-persons = 人员台账
ledger-sheet-overdue = 逾期事项
ledger-sheet-report = 月报 { $month }
ledger-col-subject = 公民身份号码
ledger-col-name = 姓名
ledger-col-sex = 性别
ledger-col-birth-date = 出生日期
ledger-col-marital = 婚姻状况
ledger-col-origin-code = 户籍地代码
ledger-col-origin = 户籍地
ledger-col-residence-code = 现居住地代码
ledger-col-residence = 现居住地
ledger-col-status = 状态
ledger-col-leave-date = 流出日期
ledger-col-arrival-date = 流入日期
ledger-col-certificate = 婚育证明编号
ledger-col-valid-from = 发证日期
ledger-col-valid-until = 有效期至
ledger-col-valid-today = 证明今日有效
ledger-col-last-check = 最近双查季度
ledger-col-births = 出生数
ledger-col-records = 记录数
ledger-col-unit = 单位
ledger-col-unit-name = 名称
ledger-col-overdue-kind = 类型
ledger-col-record = 相关记录
ledger-col-since = 起始日期
ledger-col-count = 数量
ledger-col-detail = 说明
ledger-overdue-missing-checks = 双查报告缺报
ledger-overdue-certificate = 婚育证明过期/将过期
ledger-overdue-no-certificate = 流入未持证
ledger-overdue-unacknowledged = 通报未反馈
ledger-overdue-held = 待补信息
ledger-overdue-detail-missing-checks = 自 { $since } 起连续 { $count } 个季度没有双查报告
ledger-overdue-detail-expired = 婚育证明已于 { $since } 过期
ledger-overdue-detail-expiring = 婚育证明将于 { $since } 到期（还有 { $count } 天）
ledger-overdue-detail-no-certificate = { $since } 流入登记时未出示婚育证明，须补办
ledger-overdue-detail-unacknowledged = 流入通报于 { $since } 登记，{ $count } 天未反馈
ledger-overdue-detail-held = { $kind }所依据的记录尚未到达本节点，暂存待补
