# Ledger import and export messages (liudong import / liudong export,
# crates/liudong-ledger). Ledger headers and division names stay Chinese:
# they are what the sheets and the division table say.

## Columns and headers

ledger-column-name = column { $letter } ({ $header })
ledger-either-column = { $first } or { $second }
ledger-list-separator = { ", " }
ledger-no-column = { $header } (no such column in the file)

## Cell values

ledger-value-date = "{ $text }" is not a date; write it as 2026-03-05, 2026/3/5, 2026年3月5日, or the month only, 2026年3月
ledger-value-date-unreal = "{ $text }" is not a real date
ledger-value-sex = "{ $text }": sex is 男 (male) or 女 (female)
ledger-value-marital = "{ $text }": marital status is 未婚, 已婚 (初婚/再婚/复婚), 离婚 or 丧偶
ledger-value-hukou = "{ $text }": hukou type is 农业 or 非农业
ledger-value-purpose = "{ $text }": purpose is 务工, 经商 or 其他
ledger-value-count = "{ $text }": expected a whole number (0 or more)
ledger-required = required, but empty
ledger-text-long = longer than { $max } characters
ledger-text-control = contains control characters (line breaks, tabs); remove them
ledger-date-future = { $date } is after today; dates may not be in the future

## Citizen IDs

ledger-id-numeric = the cell holds the number { $text }, not text: Excel keeps only 15 significant digits of a number, so the last digits of this citizen ID are lost and cannot be recovered from the sheet (it cannot be used even if its check digit happens to pass). Format the column's cells as Text (文本) and type the full 18-character ID again from the hukou booklet or ID card (or start it with an apostrophe ')
ledger-cell-numeric = the cell holds the number { $text } of 16 or more digits: Excel keeps only 15 significant digits, so its last digits are lost. Format the column's cells as Text (文本) and type it again
ledger-id-length = "{ $text }" has { $len } characters; a citizen ID has 18
ledger-id-characters = "{ $text }": the first 17 characters of a citizen ID are digits and the last a digit or X
ledger-id-birth = "{ $text }": its birth date { $date } does not exist; check the ID against the ID card
ledger-id-check = "{ $text }": the check digit does not match, so a digit was mistyped. Check all 18 characters against the ID card (do not just change the last one)
ledger-id-birth-future = the birth date in the ID, { $date }, is after today
ledger-birth-mismatch = birth date { $date } does not match { $id_date } in the citizen ID
ledger-sex-mismatch = sex "{ $sex }" does not match the citizen ID (17th digit odd for men, even for women)

## Division codes and addresses

ledger-code-format = "{ $text }" is not a division code: a village or community's statistical division code has 12 digits (this has { $digits }); without a code, write the address
ledger-code-level = { $code } is a { $level } code; a 12-digit village or community code is needed here, or an address down to the village or community
ledger-code-unknown = { $code } is not in the division table (NBS, as of { $date }); check the code, or write the address instead
ledger-origin-missing = both 户籍地代码 and 户籍地址 are empty: fill in one of them
ledger-inflow-residence = an inflow needs a residence: fill in 现居住地代码 or 现居住地址
ledger-place-mismatch = the address "{ $address }" is { $named }, not { $given } as { $column } says; correct one of them
ledger-outside-node = neither the origin nor the residence is under this node, { $node }; import this row at the node of its origin or residence
ledger-candidate = { $name } ({ $code })
ledger-candidate-separator = { "; " }
ledger-level-national = national
ledger-level-province = province
ledger-level-prefecture = prefecture
ledger-level-county = county
ledger-level-township = township
ledger-level-village = village
ledger-address-empty = the address names no place
ledger-address-unknown = cannot read the address "{ $text }": name the township (or subdistrict) and the village (or community); start an address elsewhere with its province or city
ledger-address-unknown-near = cannot read the address "{ $text }"; similar names: { $candidates }. Check the names, or give the division code
ledger-address-outside = the address "{ $text }" is not in this jurisdiction, { $within }: start an address elsewhere with its province or city. It may be: { $candidates }
ledger-address-ambiguous = the address "{ $text }" fits several places: { $candidates }. Add the township (or subdistrict), or give the division code
ledger-address-incomplete = the address "{ $text }" stops at the { $level } { $named } and names no village or community
ledger-address-incomplete-rest = the address "{ $text }" stops at the { $level } { $named }; "{ $rest }" is not a village or community under it
ledger-address-incomplete-near = the address "{ $text }" stops at the { $level } { $named }; "{ $rest }" is not a village or community under it; similar names: { $candidates }

## Columns that go together

ledger-certificate-number = a certificate with 发证日期 or 有效期至 needs its 婚育证明编号
ledger-certificate-dates = a certificate needs both 发证日期 and 有效期至
ledger-certificate-alone = 婚育证明编号 goes with 发证日期 and 有效期至 (certificate issued) or with 流入日期 (certificate shown at arrival)
ledger-needs = recorded only with { $column }: fill in { $column }, or empty this cell
ledger-valid-order = 有效期至 { $until } must be after 发证日期 { $from }
ledger-rule = the { $kind } breaks a record rule: { $reason }

## Record kinds and values

ledger-kind-person = person registration
ledger-kind-marriage = marriage registration
ledger-kind-outflow = outflow registration
ledger-kind-certificate = migrant certificate
ledger-kind-inflow = inflow registration
ledger-kind-acknowledged = inflow acknowledgement
ledger-kind-check = quarterly check report
ledger-kind-birth = birth registration
ledger-kind-residence-changed = change of residence
ledger-kind-returned = return home
ledger-kind-correction = correction
ledger-kind-count = { $kind }: { $count }
ledger-sex-male = male
ledger-sex-female = female
ledger-marital-single = single
ledger-marital-married = married
ledger-marital-divorced = divorced
ledger-marital-widowed = widowed
ledger-status-unknown = unknown
ledger-status-at-home = at home
ledger-status-out = out-migrated
ledger-status-in = at residence
ledger-yes = yes
ledger-no = no

## What an import prints

ledger-note = note: { $message }
ledger-note-gbk = the file is GBK-encoded (older Excel "CSV (逗号分隔)"); it was read as GBK. Save it as "CSV UTF-8 (逗号分隔)" or .xlsx next time to be sure every character is read as written
ledger-note-first-sheet = only the first worksheet ({ $sheet }) is read
ledger-note-header = the header is on row(s) { $rows }; the { $above } row(s) above it (title) are not imported
ledger-note-unused = columns not imported (no field): { $columns }
ledger-note-ignored = columns ignored as --map says: { $columns }
ledger-note-map-unmatched = --map headers not found in the file: { $headers }
ledger-note-detail = { $rows } row(s) give a house number or other detail in 现居住地址 but no 流入日期: only an inflow registration records the address, so the detail is not kept (the residence code is)
ledger-row-error = row { $row }: { $reason }
ledger-row-column-error = row { $row }, { $column }: { $reason }
ledger-more-errors = ... and { $count } more errors (--skip-invalid writes every rejected row with its reasons to a file)
ledger-reason = { $header }: { $reason }
ledger-reason-separator = { "; " }
ledger-rejects-row = original row
ledger-rejects-reasons = errors
ledger-rejects-written = { $rows } rejected row(s) written to { $path } (the original cells plus the original row number and the errors; correct them and import that file as it is)
ledger-dry-resolved = Addresses read as division codes; please check them:
ledger-dry-row = row
ledger-dry-column = column
ledger-dry-address = address
ledger-dry-code = code
ledger-dry-division = division
ledger-dry-detail = detail
ledger-dry-column-cell = { $letter } ({ $header })
ledger-dry-records = would write: { $kinds }
ledger-dry-summary = dry run: { $rows } rows read, { $valid } valid ({ $records } records), { $rejected } rejected; nothing was written
ledger-progress-import = import
ledger-progress-rows = rows
ledger-progress-done = { $written } records written, { $existing } already held
ledger-resolved-count = { $count } origins or residences were read from addresses (--dry-run lists them for checking)
ledger-imported = imported { $valid } of { $rows } rows from { $file }: { $written } records written, { $existing } already held (not written again), { $rejected } rows rejected

## Errors

ledger-cause-separator = { ": " }
ledger-err-old-excel = { $path }: old Excel 97-2003 .xls files are not read; open it in Excel or WPS and save it as .xlsx (Excel 工作簿) or CSV UTF-8
ledger-err-file-kind = { $path }: expected a .xlsx or .csv file
ledger-err-read = cannot read { $path }
ledger-err-encoding = the file is neither UTF-8 nor GBK text; in Excel choose 另存为 (Save As) → "CSV UTF-8 (逗号分隔)", or save it as .xlsx
ledger-err-empty = the file is empty; its first row (or the row below a title) must be the column headers
ledger-err-csv-row = row { $row } is not valid CSV
ledger-err-workbook = cannot open the workbook (is it an .xlsx file?)
ledger-err-no-worksheet = the workbook has no worksheet
ledger-err-worksheet = cannot read the first worksheet
ledger-err-empty-worksheet = the first worksheet is empty; it needs a header and data rows
ledger-err-no-header = no header in the first 6 rows; a header names 公民身份号码, 姓名, and 户籍地代码 or 户籍地址
ledger-err-read-map = cannot read the column map { $path }
ledger-err-in-map = column map { $path }
ledger-err-map-syntax = expected a [columns] table of "header" = "field" lines (see docs/ledgers.en.md)
ledger-err-unknown-field = [columns] "{ $header }" = "{ $key }": unknown field; fields are { $fields }; or "ignore" to leave the column out
ledger-err-duplicate = { $first } and { $second } both give { $field }; remove one, or set one of them to "ignore" with --map
ledger-err-missing-columns = the header (row { $rows }) has no column for { $missing }; name the columns as in docs/ledgers.en.md or map your headers with --map MAP.toml
ledger-err-header = { $path }: header
ledger-err-rejects-without-skip = --rejects is used with --skip-invalid (without it, a file with errors imports nothing)
ledger-err-not-author = this node ({ $code }) is an exchange and writes no records; import ledgers at a county, township or village node
ledger-err-operator = the operator is empty or contains control characters; name one with --operator NAME (or LIUDONG_OPERATOR)
ledger-err-rows-rejected = { $rejected } of { $rows } rows have errors (listed above); nothing was imported. Correct them and import the file again, or import the other rows with --skip-invalid (rejected rows and their reasons go to a file)
ledger-err-rejects = cannot write the rejects file { $path }
ledger-err-batch = writing rows { $first }–{ $last }: { $written } records were written before this batch (importing the file again skips them)
ledger-err-month-missing = export report needs --month YYYY-MM
ledger-err-report-only = --month and --code are for export report only
ledger-err-page-stuck = the node answered a page that does not advance ({ $next })
ledger-err-too-many-rows = { $rows } rows do not fit in one Excel worksheet; export to .csv instead
ledger-err-create-file = cannot create a file in { $dir }
ledger-err-persist = cannot write { $path }
ledger-err-xlsx = cannot make the .xlsx file
ledger-err-csv = cannot make the CSV file
ledger-err-io = cannot read or write a file

## Export

ledger-progress-export = export persons
ledger-progress-persons = persons
ledger-progress-read-done = read
ledger-progress-write = write
ledger-exported = exported { $rows } rows to { $file }
ledger-exported-audited = exported { $rows } rows to { $file } (the persons exported are recorded in the audit trail)
ledger-sheet-persons = persons
ledger-sheet-overdue = overdue
ledger-sheet-report = report { $month }
ledger-col-subject = citizen ID
ledger-col-name = name
ledger-col-sex = sex
ledger-col-birth-date = birth date
ledger-col-marital = marital status
ledger-col-origin-code = origin code
ledger-col-origin = origin
ledger-col-residence-code = residence code
ledger-col-residence = residence
ledger-col-status = status
ledger-col-leave-date = leave date
ledger-col-arrival-date = arrival date
ledger-col-certificate = certificate number
ledger-col-valid-from = issued on
ledger-col-valid-until = valid until
ledger-col-valid-today = certificate valid today
ledger-col-last-check = last check quarter
ledger-col-births = births
ledger-col-records = records
ledger-col-unit = unit
ledger-col-unit-name = name
ledger-col-overdue-kind = kind
ledger-col-record = record
ledger-col-since = since
ledger-col-count = count
ledger-col-detail = detail
ledger-overdue-missing-checks = check reports missing
ledger-overdue-certificate = certificate expired or expiring
ledger-overdue-no-certificate = inflow without a certificate
ledger-overdue-unacknowledged = notice not acknowledged
ledger-overdue-held = held
ledger-overdue-detail-missing-checks = no check report for { $count } consecutive quarters since { $since }
ledger-overdue-detail-expired = the certificate expired on { $since }
ledger-overdue-detail-expiring = the certificate expires on { $since } (in { $count } days)
ledger-overdue-detail-no-certificate = registered on inflow { $since } without a certificate (to be obtained, 补办)
ledger-overdue-detail-unacknowledged = inflow notice registered { $since }, not acknowledged after { $count } days
ledger-overdue-detail-held = a { $kind } waits for a record it refers to, not yet held here
