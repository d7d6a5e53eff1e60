# 各库的错误文字（liudong-core 的日期、身份证号、区划代码、地址；liudong 的 audit 命令）。
# Errors of the libraries, in the operator's words: what is wrong and what to do.

## 日期与季度（liudong-core date.rs）

error-date-format = “{ $text }”不是日期：请写成 YYYY-MM-DD，例如 2026-03-05
error-date-not-real = “{ $text }”不是实际存在的日期，请核对月份和日
error-quarter-format = “{ $text }”不是季度：请写成 YYYYQn（n 为 1 到 4），例如 2026Q1

## 公民身份号码（liudong-core citizen.rs）

error-citizen-length = 公民身份号码“{ $id }”有 { $len } 位，应为 18 位，请对照身份证核对
error-citizen-characters = 公民身份号码“{ $id }”：前 17 位应为数字，最后一位为数字或 X
error-citizen-birth-date = 公民身份号码“{ $id }”中的出生日期 { $date } 不是实际存在的日期，请对照身份证核对
error-citizen-check-digit = 公民身份号码“{ $id }”的校验位不对（按前 17 位应为 { $expected }），请对照身份证核对每一位

## 区划代码（liudong-core code.rs）

error-code-length = 区划代码“{ $code }”有 { $len } 位；应为 2、4、6、9 或 12 位数字（全国为 CN）
error-code-not-digits = 区划代码“{ $code }”含有非数字的字符；应只含数字（全国为 CN）
error-code-wrong-level = 区划代码 { $code } 是{ $found }代码；这里需要{ $expected }代码（{ $len } 位）

## 地址（liudong-core address.rs）

error-address-empty = 地址为空
error-address-unknown = 无法识别地址“{ $text }”{ $similar }
error-address-outside = 地址“{ $text }”不在本辖区（{ $within }）内：外地地址须从省或市写起{ $examples }
error-address-ambiguous = 地址“{ $text }”可指多处{ $places }，请写得更完整（上级乡镇/街道，或村/社区的全称）
error-address-incomplete = 地址“{ $text }”只写到{ $level }“{ $name }”（{ $code }），未写明{ $required }{ $rest }{ $similar }
error-address-incomplete-rest = （“{ $text }”不是其下的{ $required }）
error-address-similar = ，相近的有：{ $list }
error-address-examples = ，例如：{ $list }
error-address-places = ：{ $list }
error-address-candidate = { $name }（{ $code }）
error-address-separator = ；
error-address-level-national = 全国
error-address-level-province = 省级
error-address-level-prefecture = 地市级
error-address-level-county = 县区
error-address-level-township = 乡镇/街道
error-address-level-village = 村/社区

## 审计记录（liudong audit）

error-audit-since = --since “{ $text }”：请写成 YYYY-MM-DD、YYYY-MM-DDTHH:MM[:SS]（北京时间）或 Unix 毫秒数
error-audit-since-time = --since “{ $text }”：时刻应写成 HH:MM 或 HH:MM:SS
